"""Crisis and support lines shown to a mother after a self-harm answer, to staff on an alert, and on
the page she can take with her. The national United States lines (docs/clinical.md section 3) always
come first; a clinic adds its own after them, per language, and can never remove 988 or 911."""

from dataclasses import dataclass

from .models import CrisisResource


@dataclass(frozen=True)
class Resource:
    name: str
    contact: str  # as printed
    description: str = ""
    call: str = ""  # the number a phone dials (tel:)
    text: str = ""  # the number a phone texts (sms:)
    text_keyword: str = ""  # what to text, where a keyword picks the service
    always_open: bool = False

    @property
    def call_href(self):
        return f"tel:{dialled(self.call)}" if self.call else ""

    @property
    def text_href(self):
        if not self.text:
            return ""
        return f"sms:{dialled(self.text)}" + (f"?&body={self.text_keyword}" if self.text_keyword else "")

    @property
    def call_shown(self):
        return readable(self.call)

    @property
    def text_shown(self):
        return readable(self.text)


def dialled(number):
    """For a phone to dial: a North American number in E.164 (+1...), a short code as it is."""
    if len(number) == 11 and number.startswith("1"):
        return f"+{number}"
    if len(number) == 10:
        return f"+1{number}"
    return number


def readable(number):
    """For a person to read: 1-833-852-6262, 555-123-4567, 988."""
    if len(number) == 11 and number.startswith("1"):
        return f"1-{number[1:4]}-{number[4:7]}-{number[7:]}"
    if len(number) == 10:
        return f"{number[:3]}-{number[3:6]}-{number[6:]}"
    return number


NATIONAL = {
    "en": (
        Resource("988 Suicide & Crisis Lifeline", "Call or text 988", "Free and confidential.", "988", "988", "", True),
        Resource("Emergency services", "Call 911", "If you are in immediate danger.", "911", always_open=True),
        Resource(
            "National Maternal Mental Health Hotline",
            "1-833-852-6262 (1-833-TLC-MAMA)",
            "Call or text, English and Spanish. Not a crisis line: it directs crises to 988 or 911.",
            "18338526262",
            "18338526262",
            always_open=True,
        ),
        Resource(
            "Postpartum Support International HelpLine",
            "1-800-944-4773",
            "Support and local resources, with a call back. Not a crisis line.",
            "18009444773",
        ),
    ),
    # Spanish options as the services publish them: the 988 Lifeline answers in Spanish when you
    # press 2 and by text when you send AYUDA; the PSI HelpLine takes Spanish calls on option 1 and
    # Spanish texts at its own number.
    "es": (
        Resource(
            "988 Línea de Prevención del Suicidio y Crisis",
            "Llame al 988 y oprima 2, o envíe AYUDA por mensaje de texto al 988",
            "Gratis y confidencial, en español.",
            "988",
            "988",
            "AYUDA",
            True,
        ),
        Resource("Servicios de emergencia", "Llame al 911", "Si está en peligro inmediato.", "911", always_open=True),
        Resource(
            "Línea Nacional de Salud Mental Materna",
            "1-833-852-6262 (1-833-TLC-MAMA)",
            "Llamada o texto, en inglés y español. No es una línea de crisis: dirige las crisis al 988 o al 911.",
            "18338526262",
            "18338526262",
            always_open=True,
        ),
        Resource(
            "Postpartum Support International",
            "Llame al 1-800-944-4773 y oprima 1 para español; texto en español: 971-203-7773",
            "Apoyo y recursos locales. No es una línea de crisis.",
            "18009444773",
            "19712037773",
        ),
    ),
}


def _digits(number):
    return "".join(c for c in number if c.isdigit() or c == "+")


def resources_for(clinic, language):
    base = (language or "en").split("-")[0]
    national = NATIONAL.get(base) or NATIONAL["en"]
    own = [
        Resource(r.name, r.contact, r.description, _digits(r.call), _digits(r.text), "", r.always_open)
        for r in CrisisResource.objects.filter(clinic=clinic, language=base)
    ]
    return [*national, *own]
