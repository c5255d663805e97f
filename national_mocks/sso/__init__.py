"""Mock of the national SSO (VNeID-like OpenID Connect provider), mounted at /sso/.

Stateless: codes and access tokens are signed with django.core.signing (so several
workers share them), the RSA key lives in a PEM file; only the "code already used" check
is in-process (best-effort).
"""
