def apply_domain_error(form, exc):
    """Show a service's DomainError on the form: per field where the field exists."""
    for item in getattr(exc, "errors", None) or [{"field": None, "message": exc.message}]:
        field = item.get("field")
        form.add_error(field if field in form.fields else None, item["message"])
