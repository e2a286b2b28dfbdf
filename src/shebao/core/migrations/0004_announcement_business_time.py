"""An announcement is published on the business date (core.clock) and applied in publication order."""

from django.db import migrations, models

import shebao.core.clock


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_announcement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="announcement",
            name="published_at",
            field=models.DateTimeField(default=shebao.core.clock.now, verbose_name="发布时间"),
        ),
        migrations.AlterModelOptions(
            name="announcement",
            options={"ordering": ["pk"], "verbose_name": "政策公告", "verbose_name_plural": "政策公告"},
        ),
    ]
