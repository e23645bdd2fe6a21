"""Crisis and support resources shown to staff on an alert and to a mother after a self-harm
answer. United States defaults (clinical.md section 3); each clinic sets its own per language."""

from dataclasses import dataclass

from .models import CrisisResource


@dataclass(frozen=True)
class Resource:
    name: str
    contact: str
    description: str = ""


DEFAULTS = {
    "en": (
        Resource("988 Suicide & Crisis Lifeline", "Call or text 988", "Free and confidential, 24/7."),
        Resource("Emergency services", "Call 911", "If you are in immediate danger."),
        Resource(
            "National Maternal Mental Health Hotline",
            "1-833-852-6262 (1-833-TLC-MAMA)",
            "Call or text, 24/7, English and Spanish. Not a crisis line: it directs crises to 988 or 911.",
        ),
        Resource(
            "Postpartum Support International HelpLine",
            "1-800-944-4773",
            "Support and local resources. Not a crisis line.",
        ),
    ),
    "es": (
        Resource(
            "988 Línea de Prevención del Suicidio y Crisis",
            "Llame o envíe un mensaje de texto al 988",
            "Gratis y confidencial, las 24 horas. Oprima 2 para español.",
        ),
        Resource("Servicios de emergencia", "Llame al 911", "Si está en peligro inmediato."),
        Resource(
            "Línea Nacional de Salud Mental Materna",
            "1-833-852-6262 (1-833-TLC-MAMA)",
            "Llamada o texto, las 24 horas, en inglés y español. No es una línea de crisis: "
            "dirige las crisis al 988 o al 911.",
        ),
        Resource(
            "Postpartum Support International",
            "Texto en español: 971-203-7773",
            "Apoyo y recursos locales. No es una línea de crisis.",
        ),
    ),
}


def resources_for(clinic, language):
    base = (language or "en").split("-")[0]
    rows = [
        Resource(r.name, r.contact, r.description) for r in CrisisResource.objects.filter(clinic=clinic, language=base)
    ]
    return rows or list(DEFAULTS.get(base) or DEFAULTS["en"])
