def site(request):
    # Not "site_name": Django's sign-in and sign-out views set that to the host name.
    return {"brand_name": "Coproduce"}
