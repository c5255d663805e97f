"""SMS backends, in the manner of ``django.core.mail.backends``."""
