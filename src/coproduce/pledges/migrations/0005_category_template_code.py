from django.db import migrations, models


def from_latest_versions(apps, schema_editor):
    """Adopted categories published before this field learn their template's code from
    the latest version, which recorded it."""
    PledgeCategory = apps.get_model("pledges", "PledgeCategory")
    PledgeVersion = apps.get_model("pledges", "PledgeVersion")
    adopted = PledgeVersion.objects.filter(pledge__adopted_from__isnull=False).order_by(
        "pledge_id", "-number"
    )
    seen = set()
    for version in adopted.iterator():
        if version.pledge_id in seen:
            continue
        seen.add(version.pledge_id)
        for category in version.content.get("categories", []):
            if category.get("template_code"):
                PledgeCategory.objects.filter(
                    pledge_id=version.pledge_id, code=category["code"]
                ).update(template_code=category["template_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0004_report_update_recent"),
    ]

    operations = [
        migrations.AddField(
            model_name="pledgecategory",
            name="template_code",
            field=models.SlugField(blank=True, max_length=60),
        ),
        migrations.RunPython(from_latest_versions, migrations.RunPython.noop),
    ]
