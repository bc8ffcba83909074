def apply_domain_error(form, exc):
    """Show a service's DomainError on the form: per field where the field exists. A form
    whose fields are named differently from the service's declares `field_aliases`."""
    aliases = getattr(form, "field_aliases", {})
    for item in getattr(exc, "errors", None) or [{"field": None, "message": exc.message}]:
        field = aliases.get(item.get("field"), item.get("field"))
        form.add_error(field if field in form.fields else None, item["message"])
