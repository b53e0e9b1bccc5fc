"""English dates with a 24-hour clock: Danish municipalities announce "19:00", not "7 p.m."."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
