"""Pages that belong to no one app: the error pages. (Home is the hubs app's.)"""

from django.shortcuts import render


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
