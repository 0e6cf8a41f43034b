"""The catalog in English and Russian.

0005 gave each translated field a column per language. This copies the
text every row has today into its English column, and writes the
studio's Russian text into the Russian ones: the studio's article was
written in Russian, so these are its own words for the same massages.

The content is frozen here, like 0002 and 0004. Rows are matched by
slug (contraindications by massage type and question); a Russian text
staff have already written is left as it is.
"""

from django.db import migrations
from django.db.models import F, Q

# Each model's translated fields, as catalog/translation.py registers them.
TRANSLATED_FIELDS = {
    "ResourceKind": ["name", "description"],
    "BodyArea": ["name", "description"],
    "MassageType": ["name", "summary", "description", "benefits"],
    "Offering": ["name"],
    "Contraindication": ["explanation"],
}

RESOURCE_KINDS = {
    "room": {
        "name": "Массажный кабинет",
        "description": "Тихий кабинет с массажным столом.",
    },
    "vacuum-device": {
        "name": "Вакуумный аппарат",
        "description": "Вакуумный аппарат студии: его банки бережно приподнимают кожу мягким разрежением.",
    },
    "thai-sticks": {
        "name": "Тайские палочки",
        "description": "Небольшие гладкие деревянные палочки, которыми мастер надавливает на точки стопы.",
    },
}

BODY_AREAS = {
    "hip": {
        "name": "Бедро",
        "description": "Бедро — от колена до тазобедренного сустава.",
    },
    "shin": {
        "name": "Голень",
        "description": "Голень и икры — от колена до щиколотки.",
    },
    "foot": {
        "name": "Стопа",
        "description": "Подошва, свод, пятка и пальцы — здесь сходится множество нервных окончаний.",
    },
}

MASSAGE_TYPES = {
    "therapeutic": {
        "name": "Лечебный массаж",
        "summary": (
            "Реабилитационный массаж для ног, которым нужно восстановиться: помогает мышцам "
            "вернуться в форму после перегрузки, травмы или долгого покоя."
        ),
        "description": (
            "Лечебный, или реабилитационный, массаж — самая прицельная работа в нашей студии. "
            "Массажист находит, что в мышцах бедра, голени или стопы работает не так, как "
            "должно, и прорабатывает эти места медленным, точным давлением.\n\n"
            "Он подходит тем, кто восстанавливается после растяжения или операции, тем, кто "
            "целый день на ногах или много бегает, и всем, чьи ноги долго оставались без "
            "движения и нуждаются в помощи, чтобы снова войти в ритм."
        ),
        "benefits": (
            "Помогает наладить работу перенапряжённых и перегруженных мышц\n"
            "Сокращает время, нужное мышцам на восстановление\n"
            "Не даёт мышцам атрофироваться, пока нога в покое после травмы\n"
            "Снимает спазмы и боль в ногах"
        ),
    },
    "classical": {
        "name": "Классический массаж",
        "summary": ("Массаж на каждый день: поддерживает мышцы ног в тонусе и разгоняет кровь."),
        "description": (
            "В классическом массаже используются знакомые приёмы — поглаживание, разминание, "
            "растирание и поколачивание — от стопы вверх к бедру. К нему стоит возвращаться "
            "регулярно, чтобы позаботиться о ногах, на которых держатся ваши насыщенные дни.\n\n"
            "Многие клиенты приходят на него в конце рабочего дня, чтобы снять накопившуюся "
            "усталость и тяжесть в ногах."
        ),
        "benefits": (
            "Поддерживает мышцы в хорошем тонусе\n"
            "Улучшает кровообращение в ногах\n"
            "Помогает сосудам оставаться эластичными и здоровыми\n"
            "Снимает усталость и отёки после долгого дня"
        ),
    },
    "vacuum": {
        "name": "Вакуумный массаж",
        "summary": (
            "Массаж специальным вакуумным аппаратом: он приподнимает кожу, делает её упругой "
            "и разгоняет кровообращение."
        ),
        "description": (
            "Для вакуумного массажа массажист использует вакуумный аппарат студии. Его банки "
            "мягким разрежением приподнимают кожу и ткани под ней, скользя по ноге, — "
            "ощущения совсем не такие, как при ручном массаже.\n\n"
            "В студии его применяют, чтобы сделать кожу эластичнее и помочь организму вывести "
            "то, что скапливается в тканях. Аппарат у нас один, поэтому такой сеанс можно "
            "провести, только когда он свободен."
        ),
        "benefits": (
            "Делает кожу более эластичной\n"
            "Помогает организму вывести то, что скопилось в тканях\n"
            "Улучшает кровообращение"
        ),
    },
    "anti-cellulite": {
        "name": "Антицеллюлитный массаж",
        "summary": ("Интенсивная проработка бёдер и ягодиц против «апельсиновой корки» на коже."),
        "description": (
            "Антицеллюлитный массаж глубоко и энергично прорабатывает бёдра и ягодицы — там, "
            "где целлюлит заметнее всего. Массажист разминает и прокатывает ткани, чтобы "
            "разгладить неровную, бугристую «апельсиновую корку».\n\n"
            "Лучший результат даёт курс из нескольких сеансов вместе с движением в "
            "повседневной жизни."
        ),
        "benefits": (
            "Разглаживает «апельсиновую корку» на бёдрах и ягодицах\n"
            "Помогает обмену веществ в тканях\n"
            "Улучшает кровообращение"
        ),
    },
    "thai": {
        "name": "Тайский массаж",
        "summary": (
            "Расслабляющий массаж стоп и ног в тайской традиции: его проводит обученный мастер "
            "с помощью небольших деревянных палочек."
        ),
        "description": (
            "Тайский массаж проводит мастер, обученный особой технике. Кроме рук, он "
            "использует небольшие деревянные палочки и надавливает ими на точки стопы, где, "
            "по древним представлениям, находятся важные энергетические точки тела.\n\n"
            "Главное в этом массаже — расслабление. В тайской традиции считается, что он "
            "открывает энергетические центры и восстанавливает ток энергии, так что тело и "
            "душа обновляются вместе."
        ),
        "benefits": (
            "Глубокое расслабление тела и души\n"
            "По тайской традиции восстанавливает ток энергии в теле\n"
            "Снимает усталость в стопах и ногах"
        ),
    },
}

OFFERINGS = {
    "therapeutic-shin-foot-45": "Лечебный: голень и стопа",
    "therapeutic-whole-leg-60": "Лечебный: вся нога",
    "classical-foot-30": "Классический: стопа",
    "classical-shin-foot-45": "Классический: голень и стопа",
    "classical-whole-leg-60": "Классический: вся нога",
    "vacuum-hip-45": "Вакуумный: бедро",
    "vacuum-hip-shin-60": "Вакуумный: бедро и голень",
    "anti-cellulite-hip-45": "Антицеллюлитный: бедро",
    "anti-cellulite-hip-shin-60": "Антицеллюлитный: бедро и голень",
    "thai-foot-45": "Тайский: стопа с палочками",
    "thai-whole-leg-75": "Тайский: вся нога",
}

INJURY = (
    "Пожалуйста, расскажите нам о травме или операции, чтобы массажист не затрагивал это место."
)
SKIN = "Пожалуйста, расскажите нам о состоянии кожи, чтобы массажист обходил проблемные места."
VEINS = (
    "Массажист бережно работает в обход поражённых вен; пожалуйста, скажите о них, когда придёте."
)

# (massage type, question): the explanation shown to the client.
CONTRAINDICATIONS = {
    ("vacuum", "vein_problems"): (
        "Вакуумный массаж воздействует прямо на сосуды, поэтому при варикозе и других "
        "проблемах с венами его не проводят."
    ),
    ("vacuum", "pregnancy"): "Вакуумный массаж не проводят во время беременности.",
    ("vacuum", "skin_condition"): (
        "Вакуумные банки нельзя ставить на кожу с заболеванием, ранкой или сыпью."
    ),
    ("vacuum", "recent_injury"): INJURY,
    ("anti-cellulite", "vein_problems"): (
        "Антицеллюлитный массаж — интенсивная работа с сосудами бедра, поэтому при варикозе "
        "и других проблемах с венами его не проводят."
    ),
    ("anti-cellulite", "pregnancy"): "Антицеллюлитный массаж не проводят во время беременности.",
    ("anti-cellulite", "skin_condition"): SKIN,
    ("anti-cellulite", "recent_injury"): INJURY,
    ("classical", "vein_problems"): VEINS,
    ("classical", "pregnancy"): (
        "Во время беременности классический массаж можно адаптировать; пожалуйста, скажите "
        "массажисту, какой у вас срок."
    ),
    ("classical", "recent_injury"): INJURY,
    ("classical", "skin_condition"): SKIN,
    ("therapeutic", "recent_injury"): (
        "Реабилитационный массаж хорошо помогает восстановиться, но, пожалуйста, возьмите с "
        "собой заключение врача о травме или операции."
    ),
    ("therapeutic", "vein_problems"): VEINS,
    ("therapeutic", "pregnancy"): (
        "Пожалуйста, скажите массажисту, какой у вас срок, чтобы он адаптировал массаж."
    ),
    ("thai", "vein_problems"): (
        "Палочками надавливают довольно сильно; пожалуйста, скажите о проблемах с венами, "
        "чтобы мастер обошёл эти места."
    ),
    ("thai", "pregnancy"): (
        "Пожалуйста, скажите мастеру о беременности, чтобы он бережно подобрал точки "
        "для надавливания."
    ),
    ("thai", "recent_injury"): (
        "Пожалуйста, расскажите нам о травме или операции, чтобы мастер не затрагивал это место."
    ),
}  # fmt: skip


def _fill_empty(row, texts):
    """Write each Russian text into its column unless staff wrote one there already."""
    changed = [f"{field}_ru" for field in texts if not getattr(row, f"{field}_ru")]
    for column in changed:
        setattr(row, column, texts[column.removesuffix("_ru")])
    if changed:
        row.save(update_fields=changed)


def add_russian(apps, schema_editor):
    for model_name, fields in TRANSLATED_FIELDS.items():
        model = apps.get_model("catalog", model_name)
        for field in fields:
            english = f"{field}_en"
            model.objects.filter(Q(**{f"{english}__isnull": True}) | Q(**{english: ""})).update(
                **{english: F(field)}
            )

    for model_name, content in (
        ("ResourceKind", RESOURCE_KINDS),
        ("BodyArea", BODY_AREAS),
        ("MassageType", MASSAGE_TYPES),
    ):
        model = apps.get_model("catalog", model_name)
        for row in model.objects.filter(slug__in=content):
            _fill_empty(row, content[row.slug])

    Offering = apps.get_model("catalog", "Offering")
    for row in Offering.objects.filter(slug__in=OFFERINGS):
        _fill_empty(row, {"name": OFFERINGS[row.slug]})

    Contraindication = apps.get_model("catalog", "Contraindication")
    for row in Contraindication.objects.select_related("massage_type"):
        explanation = CONTRAINDICATIONS.get((row.massage_type.slug, row.question))
        if explanation:
            _fill_empty(row, {"explanation": explanation})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_translated_fields")]

    # Going back, 0005 drops the columns these texts live in.
    operations = [migrations.RunPython(add_russian, migrations.RunPython.noop)]
