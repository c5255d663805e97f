from celery import shared_task

from .deadlines import deadline_alerts_mark


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def deadline_alerts() -> dict[str, int]:
    return deadline_alerts_mark()
