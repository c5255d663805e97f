# The models moved from the portal app (portal 0002, 0003): the tables keep their names and
# nothing changes in the database; only Django's state moves (portal 0004 drops it there).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('dossiers', '0006_dossier_prefilled_from'),
        ('portal', '0003_delivery_claimed_at'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(blank=True, verbose_name='message')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('dossier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='dossiers.dossier')),
                        ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='dossiers.dossierevent')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portal_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['user', '-created_at'], name='portal_noti_user_id_af50dc_idx'), models.Index(fields=['user', 'read_at'], name='portal_noti_user_id_d5ad53_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('event__isnull', False)), fields=('event', 'user'), name='unique_notification_per_event_and_user')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'E-mail'), ('sms', 'SMS'), ('portal', 'In the portal')], max_length=16)),
                        ('recipient', models.CharField(blank=True, max_length=254)),
                        ('state', models.CharField(choices=[('sending', 'sending'), ('sent', 'sent'), ('failed', 'failed')], default='sending', max_length=16)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='dossiers.dossierevent')),
                    ],
                    options={
                        'db_table': 'portal_notificationdelivery',
                        'constraints': [models.UniqueConstraint(fields=('event', 'channel'), name='unique_delivery_per_event_and_channel')],
                    },
                ),
            ],
        ),
    ]
