"""Interoperability with agencies that run their own system (e.g. a ministry's).

Outbound: a dossier routed to an external agency is delivered to its system by a signed
webhook, retried with backoff over hours and dead-lettered after the last attempt.
Inbound: the external system reads its dossiers and pushes status changes and results back
through `/api/interop/`, authenticated by API keys with scopes. See docs/interop.md.
"""
