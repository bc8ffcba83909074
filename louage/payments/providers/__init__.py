"""Online payment providers behind one small interface: start a payment, verify a callback,
refund. The provider is chosen by the PAYMENT_PROVIDER setting."""

from dataclasses import dataclass

from django.conf import settings


class ForgedCallback(Exception):
    """A callback whose signature or content cannot be trusted."""


class ProviderUnavailable(Exception):
    """The provider is disabled here or did not answer."""


class UnknownProvider(ProviderUnavailable):
    """No provider of that name on this installation (or it is switched off here)."""


@dataclass
class CallbackResult:
    reference: str
    status: str  # "succeeded", "failed" or "pending" (nothing to do yet)
    amount: int
    card_last4: str = ""

    @property
    def succeeded(self):
        return self.status == "succeeded"


class PaymentProvider:
    name = ""

    def start(self, *, payment, reservation):
        """Register the payment with the provider → (provider_reference, redirect_url)."""
        raise NotImplementedError

    def verify_callback(self, *, body, headers, query):
        """Check a callback and say what it reports → CallbackResult (ForgedCallback if not genuine)."""
        raise NotImplementedError

    def refund(self, *, payment):
        """Give the money back through the provider."""
        raise NotImplementedError


def get_provider(name=None):
    from .konnect import KonnectProvider
    from .sandbox import SandboxProvider

    name = name or settings.PAYMENT_PROVIDER
    providers = {"sandbox": SandboxProvider, "konnect": KonnectProvider}
    if name not in providers:
        raise UnknownProvider(f"unknown payment provider {name!r}")
    provider = providers[name]()
    if not provider.enabled():
        raise UnknownProvider(f"payment provider {name!r} is not enabled")
    return provider
