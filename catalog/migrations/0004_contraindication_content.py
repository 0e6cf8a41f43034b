"""Which health answers rule a massage out, and which need a word first.

The studio's text ties vacuum and anti-cellulite work to the blood
vessels, so vein problems rule those two out; the other massages ask the
client to talk to the studio first. Rows that exist are left as staff
edited them.
"""

from django.db import migrations

RULES_OUT = "rules_out"
ASK_FIRST = "ask_first"

# (massage type, question, severity, explanation shown to the client)
CONTRAINDICATIONS = [
    ("vacuum", "vein_problems", RULES_OUT,
     "Vacuum massage works directly on the blood vessels, so it is not given with varicose veins or other vein problems."),
    ("vacuum", "pregnancy", RULES_OUT,
     "Vacuum massage is not given during pregnancy."),
    ("vacuum", "skin_condition", RULES_OUT,
     "The vacuum cups cannot be used on skin with a condition, wound or rash."),
    ("vacuum", "recent_injury", ASK_FIRST,
     "Please tell us about the injury or surgery, so the therapist can keep away from it."),
    ("anti-cellulite", "vein_problems", RULES_OUT,
     "Anti-cellulite massage is intensive work on the vessels of the thigh, so it is not given with varicose veins or other vein problems."),
    ("anti-cellulite", "pregnancy", RULES_OUT,
     "Anti-cellulite massage is not given during pregnancy."),
    ("anti-cellulite", "skin_condition", ASK_FIRST,
     "Please tell us about your skin, so the therapist can work around it."),
    ("anti-cellulite", "recent_injury", ASK_FIRST,
     "Please tell us about the injury or surgery, so the therapist can keep away from it."),
    ("classical", "vein_problems", ASK_FIRST,
     "The therapist works gently around affected veins; please mention them when you arrive."),
    ("classical", "pregnancy", ASK_FIRST,
     "Classical massage can be adapted in pregnancy; please tell the therapist how far along you are."),
    ("classical", "recent_injury", ASK_FIRST,
     "Please tell us about the injury or surgery, so the therapist can keep away from it."),
    ("classical", "skin_condition", ASK_FIRST,
     "Please tell us about your skin, so the therapist can work around it."),
    ("therapeutic", "recent_injury", ASK_FIRST,
     "Rehabilitation work suits recovery, but please bring what your doctor said about the injury or surgery."),
    ("therapeutic", "vein_problems", ASK_FIRST,
     "The therapist works gently around affected veins; please mention them when you arrive."),
    ("therapeutic", "pregnancy", ASK_FIRST,
     "Please tell the therapist how far along you are, so the massage can be adapted."),
    ("thai", "vein_problems", ASK_FIRST,
     "The sticks press firmly; please mention vein problems so the master can avoid those areas."),
    ("thai", "pregnancy", ASK_FIRST,
     "Please tell the master you are pregnant, so the pressure points can be chosen with care."),
    ("thai", "recent_injury", ASK_FIRST,
     "Please tell us about the injury or surgery, so the master can keep away from it."),
]  # fmt: skip


def add_contraindications(apps, schema_editor):
    MassageType = apps.get_model("catalog", "MassageType")
    Contraindication = apps.get_model("catalog", "Contraindication")
    types = {massage_type.slug: massage_type for massage_type in MassageType.objects.all()}
    for type_slug, question, severity, explanation in CONTRAINDICATIONS:
        if type_slug in types:
            Contraindication.objects.get_or_create(
                massage_type=types[type_slug],
                question=question,
                defaults={"severity": severity, "explanation": explanation},
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_contraindications")]

    operations = [migrations.RunPython(add_contraindications, migrations.RunPython.noop)]
