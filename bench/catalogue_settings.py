"""Settings of the catalogue bench: the production settings, plus a bare view (/bench/bare/)
served by the same middleware stack, as the ceiling of what one request can cost."""

from portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.catalogue_urls"
