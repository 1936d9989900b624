"""The national template of the function description (funktionsbeskrivelse), seed 003, as versioned data.

A template version never changes once released: adopted descriptions refer to it by id and version,
so their events stay readable. A new national edition is a new version.
"""
from __future__ import annotations

NATIONAL_TEMPLATE_ID = "individuel-og-gruppebaseret-peer-stoette"

_V1 = {
    "id": NATIONAL_TEMPLATE_ID,
    "version": 1,
    "title": "Funktionsbeskrivelse: Individuel og gruppebaseret peer-støtte",
    "employment": (
        "Peer-støttemedarbejderne ansættes i socialpsykiatriske tilbud i kommuner eller i "
        "behandlingspsykiatriske tilbud. Peer-støttemedarbejderne ansættes som en del af "
        "medarbejdergruppen på ordinære vilkår."
    ),
    "local_fields": {
        # field: (Danish label, required before the description can be published)
        "organisational_placement": ("Organisatorisk placering", True),
        "nearest_leader": ("Nærmeste leder", True),
        "mentor": ("Mentor i personalegruppen", True),
        "internal_partners": ("Samarbejdspartnere, intern", True),
        "external_partners": ("Samarbejdspartnere, ekstern", True),
        "special_qualifications": ("Særlige kvalifikationer", False),
        "special_competences": ("Særlige kompetencer", False),
        "special_responsibilities": ("Særligt ansvar", False),
        "special_tasks": ("Særlige opgaver", False),
    },
    "default_external_partners": [
        "Peer-støttemedarbejdere ansat på andre arbejdspladser",
        "Peer-Netværk Danmark",
        "Peer-Partnerskabet",
    ],
    "professional_profile": {
        "intro": (
            "Der er ingen krav om specifikke faglige kvalifikationer men om relevante personlige "
            "kompetencer og modenhed."
        ),
        "requirements": [
            "Egne erfaringer med og viden om psykiske vanskeligheder, rehabilitering og recovery",
            "Egne erfaringer med og viden om det psykiatriske behandlingssystem og/eller de psykosociale "
            "tilbud i det kommunale psykiatriområde",
            "IT på brugerniveau",
            "Kunne varetage et job på mindst 12 timer om ugen",
            "Har aflagt Folkeskolens 9. klasses afgangsprøve",
            "Er i stand til at gennemføre uddannelse i at arbejde med redskaberne 'Guide til et godt "
            "hverdagsliv', '5 veje til et godt liv' og 'Livshistoriefortællinger'",
        ],
        "minimum_weekly_hours": 12,
    },
    "personal_profile": [
        "Egne erfaringer med psykiske vanskeligheder",
        "Have været i gang med en recovery proces i mindst et år",
        "Evne både at inddrage og lægge distance til egne levede erfaringer og formå at vurdere, i hvilke "
        "situationer inddragelse af egne erfaringer kan være til gavn for andre",
        "Evne at skabe og fastholde udviklende relationer",
        "Evne at opbygge og fastholde håb",
        "Ansvarlig og samvittighedsfuld",
        "Evne refleksion over egen andel i samspil med andre og egen praksis",
        "Anerkendende tilgang til andre mennesker",
        "Evne at indgå i teamsamarbejde",
        "Evne at indgå i samarbejde med kolleger om - samt selvstændigt initiere og gennemføre - "
        "recovery-understøttende gruppeforløb",
    ],
    "responsibilities": [
        {
            "number": 1,
            "title": "Ansvarlig for at tilbyde recovery-orienteret individuel peer-støtte",
            "support_mode": "individual",
            "tasks": [
                "Motivere og rekruttere borgere til individuelle peer-støtte forløb, som tager udgangspunkt i "
                "borgernes aktuelle behov og ved behov inddrager metoder og redskaber fra 'Guide til et godt "
                "hverdagsliv' og 'Liv i Fokus'",
                "Skabe relationer baseret på erfaringer, anerkendelse, håb og muligheder",
                "Støtte borgere i arbejdet med personlige målsætninger",
                "Støtte borgere i at kortlægge egne ressourcer og reflektere over egen situation",
                "Fungere som rollemodel",
                "Motivere og støtte borgere i at deltage i meningsfulde fællesskaber og styrke det personlige "
                "netværk samt ledsage, når borgere ønsker det",
                "Deltage i møder med andre samarbejdsparter, hvis borgeren ønsker det",
                "Guide borgere i at navigere mellem relevante tilbud på tværs af sektorer og områder",
                "Løbende evaluere og videreudvikle tilbuddet i samarbejde med øvrige medarbejdere eller andre "
                "peer-støttemedarbejdere",
            ],
        },
        {
            "number": 2,
            "title": "Ansvarlig for at tilbyde og gennemføre recovery-orienterede gruppeforløb alene eller i "
                     "samarbejde med andre peer-støttemedarbejdere og/eller øvrige medarbejdere",
            "support_mode": "group",
            "tasks": [
                "Planlægge og gennemføre gruppeforløb med udgangspunkt i metoder og redskaber fra 'Guide til et "
                "godt hverdagsliv', 'Livshistoriefortællinger', '5 veje til et godt liv' eller andre allerede "
                "eksisterende tilbud",
                "Motivere og rekruttere borgere til recovery-orienterede gruppeforløb, herunder information om "
                "tilbuddene",
                "Understøtte deltagerne i at fastholde forløbet og bistå de enkelte borgere med individuel "
                "opfølgning og støtte",
                "Bidrage til at skabe udviklende relationer i grupperne baseret på erfaringer, anerkendelse, håb "
                "og muligheder",
                "Støtte borgere i arbejdet med personlige målsætninger",
                "Fungere som rollemodel",
                "Holde oplæg eller foredrag om relevante emner",
                "Inddrage relevante kommunale og civile aktiviteter fra lokalsamfundet i gruppeforløbet",
                "Løbende evaluere og videreudvikle tilbuddet i samarbejde med øvrige medarbejdere eller andre "
                "peer-støttemedarbejdere",
            ],
        },
        {
            "number": 3,
            "title": "Medansvarlig for værdier, faglig kvalitet og faglig udvikling",
            "support_mode": None,
            "tasks": [
                "Introducere borgere og kolleger for redskaber og metoder i 'Guide til et godt hverdagsliv', "
                "'5 veje til et godt liv' og 'Livshistoriefortællinger'",
                "Bidrage med egne refleksioner over den daglige praksis og medvirke til vedvarende fælles "
                "refleksion over praksis, fx i de daglige samarbejdsrelationer og gennem et punkt på "
                "personalemøder, samarbejdsmøder eller lignende",
                "I samarbejde med kolleger og ledelse at tage initiativ til relevant undervisning/formidling",
            ],
        },
        {
            "number": 4,
            "title": "Medansvarlig for at skabe et godt arbejdsmiljø",
            "support_mode": None,
            "tasks": [
                "Samarbejde respektfuldt og ligeværdigt med kolleger",
                "Modtage og give konstruktiv feedback fra/til kolleger og leder",
                "Udvise åbenhed over for muligheder, begrænsninger og forandringer fagligt såvel som personligt",
                "Være loyal overfor fælles beslutninger med leder og i teamet",
            ],
        },
        {
            "number": 5,
            "title": "Medansvarlig for egen videreudvikling både fagligt og personligt",
            "support_mode": None,
            "tasks": [
                "Deltage i MUS samtaler med leder",
                "Deltage i supervision med øvrige kolleger",
                "Deltage i kompetenceudviklingsforløb for lønnede peer-støttemedarbejdere",
                "Deltage i netværksgrupper for peer-støtte medarbejdere",
            ],
        },
    ],
    "support_mode_note": (
        "Lokalt besluttes det, om peer-støttemedarbejderen både skal tilbyde individuel og gruppebaseret "
        "peer-støtte eller hovedsageligt fokusere på en af de to opgaver."
    ),
}

TEMPLATES = {(NATIONAL_TEMPLATE_ID, 1): _V1}


def template(template_id: str = NATIONAL_TEMPLATE_ID, version: int | None = None) -> dict:
    versions = sorted(v for (t, v) in TEMPLATES if t == template_id)
    if not versions:
        raise KeyError(template_id)
    return TEMPLATES[(template_id, version or versions[-1])]


def required_local_fields(tmpl: dict) -> list[str]:
    return [name for name, (_, required) in tmpl["local_fields"].items() if required]
