"""Tell the applicant about each change of their dossier: by e-mail, by SMS and in the portal.

Entry point: `notify_dossier_event(event_id=...)`, the outbox handler "dossier.notify" that
every timeline entry written by ``dossiers.transitions.change`` enqueues (unless the
change is internal). This app subscribes to dossier events through the outbox; the dossiers
app does not import it.

Which events reach the applicant (`wording.event_kind`): every change of the business status
that the applicant can act on or wait for — submitted, received (with the due date), refused
(with the reason), in processing, supplement requested (with what is missing), payment
requested, result issued (with how to get the result), result returned, withdrawn, stopped,
transferred. Purely internal entries are not sent: routing to the competent agency and
triage (``routed``, ``triage``: they follow the submission within seconds and the submission
message already names the agency), assignment inside an agency, any entry that does not change
the status (notes, assignment), and the coordination between agencies (status 12 "waiting for a
coordinating agency" and the return from it to "in processing": the applicant was never told
processing had paused).

Wording: one template per channel (``templates/emails/dossier_event.txt`` for the e-mail,
``dossier_event_portal.txt`` for the inbox, ``dossier_event_sms.txt`` for the SMS); the
per-status text shared by the e-mail and the inbox is ``_dossier_event_text.txt``. All are
rendered in the applicant's language (``User.language``: the one they last chose or signed
in with; else ``Dossier.language``), with English msgids; the inbox keeps every language
and shows the reader's.

Channels register in `channels.registry` (e-mail when the dossier has an e-mail address, SMS
when it has a Vietnamese mobile number, the portal inbox when it has an applicant account).

Idempotency: the outbox may run the handler again after a crash, so each (event, channel) has
one `notifications.models.NotificationDelivery` row, unique. For e-mail and SMS the row is committed
("sending") before the message leaves and marked "sent" after: a re-run finds it and sends
nothing (at most once — a crash in the middle of a send loses that message rather than sending
it twice, and leaves the row "sending" for an operator to see). A send that raises marks the
row "failed", the handler raises, and the outbox's retry sends only the failed channels. The
inbox notification is written in the same transaction as its delivery row (exactly once), and
``Notification`` is also unique per (event, user).
"""
