"""Signal receivers of the agencies app (connected in ``AgenciesConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from agencies.calendar import calendar_day_changed
from agencies.models import CalendarDay

#: Sent after a bulk load of provinces, communes and agencies has committed
#: (`services.reference_data_load`), which sends no model signals: caches built from them
#: (the routing of dossiers) forget what they hold.
reference_data_changed = Signal()


@receiver(post_save, sender=CalendarDay, dispatch_uid="agencies.calendar_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="agencies.calendar_day_deleted")
def calendar_day_changed_receiver(sender: type[CalendarDay], using: str, **kwargs: Any) -> None:
    """An administrator changed the calendar: drop the cached working calendar."""
    calendar_day_changed(using=using)
