"""One opt-out per channel and address, held on the keyed hash of the address (0005 filled it for every row)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0005_recipients_encrypted'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='optout',
            constraint=models.UniqueConstraint(fields=('channel', 'address_hash'), name='one_opt_out_per_address_hash'),
        ),
    ]
