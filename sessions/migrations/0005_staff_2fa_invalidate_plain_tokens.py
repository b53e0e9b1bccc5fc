"""DRF's tokens were stored as sent: a copy of the database was a set of working logins. API
tokens are now django-rest-knox's (hashed, expiring); the old ones are deleted, and their owners
ask for a new one at POST /api/auth/token/ (README, "API tokens")."""

from django.db import migrations


def delete_plain_tokens(apps, schema_editor):
    apps.get_model("authtoken", "Token").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("townhall_sessions", "0004_report_export_log"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(delete_plain_tokens, migrations.RunPython.noop),
    ]
