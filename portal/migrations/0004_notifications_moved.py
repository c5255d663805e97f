# Notification and NotificationDelivery now belong to the notifications app (its 0001): the
# tables stay; only Django's state leaves the portal app, which no longer knows the dossiers.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0003_delivery_claimed_at'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='NotificationDelivery'),
                migrations.DeleteModel(name='Notification'),
            ],
        ),
    ]
