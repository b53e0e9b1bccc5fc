from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("townhall_sessions", "0018_similarity_postgres"),
    ]

    operations = [
        migrations.AddField(
            model_name="poll",
            name="viewers_at_close",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="signed-in viewers when closed"
            ),
        ),
    ]
