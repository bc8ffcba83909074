"""Drop-in replacements for third-party middleware that do per request what needs doing once,
or only when used. Same headers and behaviour; measured in docs/benchmarks.md
("Per-request stack")."""

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject, empty

# What a view or decorator (csp_update, csp_replace, csp_exempt…) may set to change the policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_policies = {}


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.clear()


def _static_policies():
    """(policy, report-only policy) as settings give them, built once per process."""
    if "built" not in _policies:
        _policies["built"] = (build_policy(), build_policy(report_only=True))
    return _policies["built"]


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp, with the header string built once instead of per response: a response
    without a nonce or a per-view policy gets the settings' policy, which does not change."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)  # built for this response
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # as django-csp: Django's debug pages keep their inline styles
        enforced, report_only = _static_policies()
        for value, header, exempt, setting in (
            (enforced, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (report_only, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):  # fmt: skip
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's messages, with the storage (cookie and session backends) made when a view or
    template first touches it. A request that never does (the API, probes, most redirects'
    targets) neither builds it nor saves it: saving an unused storage writes nothing anyway."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
