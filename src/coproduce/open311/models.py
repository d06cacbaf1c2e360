"""What an Open311 client sends beyond what a report or an update holds: the key it came
with, its media link, and (never shown publicly) the reporter's phone number; for an
update, the client's own id for it, so an update sent twice is recorded once."""

from django.db import models

from coproduce.hubs.models import ApiToken
from coproduce.pledges.models import Report, ReportUpdate


class ReceivedRequest(models.Model):
    """A report that came in through POST requests.{format}."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="open311")
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    media_url = models.URLField(max_length=1000, blank=True)
    # Private, like the report's contact name and email.
    phone = models.CharField(max_length=40, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Open311 request {self.report_id}"


class ReceivedUpdate(models.Model):
    """An update that came in through POST servicerequestupdates.{format}."""

    update = models.OneToOneField(ReportUpdate, on_delete=models.CASCADE, related_name="open311")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The client's id for the update (FixMyStreet's update_id).
    client_update_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=1000, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "client_update_id"],
                condition=~models.Q(client_update_id=""),
                name="open311_update_once",
            )
        ]

    def __str__(self):
        return f"Open311 update {self.client_update_id or self.update_id}"
