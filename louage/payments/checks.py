"""Said at every start (migrate runs the checks; so does `check --deploy`): online payment is
off when its provider cannot run here — e.g. DEBUG=false with the default sandbox gateway,
which production turns off. Travellers then pay at the station desk only."""

from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=False)
def online_payment_available(app_configs=None, **kwargs):
    from .providers import UnknownProvider, get_provider

    try:
        get_provider()
    except UnknownProvider as exc:
        return [
            checks.Warning(
                f"online payment is off ({exc}): travellers can pay at the station desk only",
                hint="set PAYMENT_PROVIDER=konnect with KONNECT_API_KEY and KONNECT_WALLET_ID "
                "(see README, Payments)",
                id="payments.W001",
            )
        ]
    return []
