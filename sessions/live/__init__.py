"""The WebSocket side: consumers, the per-process relay, presence and the socket routes."""
