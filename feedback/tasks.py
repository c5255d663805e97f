from celery import shared_task

from .services import complaint_overdue_mark


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def complaint_overdue_alerts() -> int:
    """Beat: flag complaints whose answer is late and alert their agency (once each)."""
    return complaint_overdue_mark()
