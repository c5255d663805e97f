from django.http import HttpResponse


def ratelimited(request, exception=None):
    return HttpResponse(status=429)
