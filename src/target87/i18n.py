"""Labels of the terminal views in English, French and Spanish.

A stop-gap until the web issue moves all UI text to Babel catalogs; the keys stay the same.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr", "es")

LABELS: dict[str, tuple[str, str, str]] = {
    "profile": ("Country profile", "Profil de pays", "Perfil de país"),
    "region": ("Region", "Région", "Región"),
    "income": ("Income group", "Groupe de revenu", "Grupo de ingresos"),
    "ilo_region": ("ILO region", "Région de l'OIT", "Región de la OIT"),
    "pathfinder": (
        "Alliance 8.7 Pathfinder Country",
        "Pays pionnier de l'Alliance 8.7",
        "País pionero de la Alianza 8.7",
    ),
    "pathfinder_yes": (
        "yes (year joined not verified)",
        "oui (année d'adhésion non vérifiée)",
        "sí (año de adhesión no verificado)",
    ),
    "pathfinder_no": ("no", "non", "no"),
    "child_labour": (
        "Child labour, latest",
        "Travail des enfants, dernière valeur",
        "Trabajo infantil, último dato",
    ),
    "other_sources": (
        "Other sources for the same figure",
        "Autres sources pour ce chiffre",
        "Otras fuentes para la misma cifra",
    ),
    "no_data": ("no data", "pas de données", "sin datos"),
    "series": ("Series", "Série", "Serie"),
    "period": ("Period", "Période", "Período"),
    "age": ("Age", "Âge", "Edad"),
    "total": ("Total", "Total", "Total"),
    "girls": ("Girls", "Filles", "Niñas"),
    "boys": ("Boys", "Garçons", "Niños"),
    "source": ("Source", "Source", "Fuente"),
    "definition": ("Definition", "Définition", "Definición"),
    "trafficking": (
        "Detected victims of trafficking, latest",
        "Victimes de la traite détectées, dernière valeur",
        "Víctimas de trata detectadas, último dato",
    ),
    "ratifications": ("Treaties and conventions", "Traités et conventions", "Tratados y convenios"),
    "instrument": ("Instrument", "Instrument", "Instrumento"),
    "status": ("Status", "Statut", "Estado"),
    "year": ("Year", "Année", "Año"),
    "ratified": ("ratified", "ratifié", "ratificado"),
    "signed": ("signed", "signé", "firmado"),
    "not_ratified": ("not ratified", "non ratifié", "no ratificado"),
    "goods": (
        "Goods on the US DOL list (TVPRA)",
        "Biens de la liste du DOL des États-Unis (TVPRA)",
        "Bienes en la lista del DOL de EE. UU. (TVPRA)",
    ),
    "good": ("Good", "Bien", "Bien"),
    "child_labour_flag": ("Child labour", "Travail des enfants", "Trabajo infantil"),
    "forced_labour_flag": ("Forced labour", "Travail forcé", "Trabajo forzoso"),
    "forced_child_labour_flag": (
        "Forced child labour",
        "Travail forcé des enfants",
        "Trabajo infantil forzoso",
    ),
    "no_goods": ("none listed", "aucun bien listé", "ningún bien en la lista"),
    "region_figures": ("The region's figures", "Chiffres de la région", "Cifras de la región"),
    "area": ("Area", "Zone", "Zona"),
    "value": ("Value", "Valeur", "Valor"),
    "sources": ("Sources", "Sources", "Fuentes"),
    "millions": ("million", "millions", "millones"),
    "per_1000": ("per 1,000 people", "pour 1 000 personnes", "por cada 1.000 personas"),
    "yes": ("yes", "oui", "sí"),
    "no": ("no", "non", "no"),
    # Web pages
    "site_title": (
        "Target 8.7 data platform",
        "Plateforme de données de la cible 8.7",
        "Plataforma de datos de la meta 8.7",
    ),
    "home": ("Dashboard", "Tableau de bord", "Panel"),
    "countries": ("Countries", "Pays", "Países"),
    "about": ("About", "À propos", "Acerca de"),
    "language": ("Language", "Langue", "Idioma"),
    "search": ("Search", "Rechercher", "Buscar"),
    "all": ("all", "tous", "todos"),
    "pathfinders_only": (
        "Pathfinder Countries only",
        "Pays pionniers seulement",
        "Solo países pioneros",
    ),
    "with_data": (
        "with child labour data",
        "avec des données sur le travail des enfants",
        "con datos de trabajo infantil",
    ),
    "filter": ("Filter", "Filtrer", "Filtrar"),
    "world_child_labour": (
        "Children in child labour, world, 2000-2024",
        "Enfants astreints au travail, monde, 2000-2024",
        "Niños en trabajo infantil, mundo, 2000-2024",
    ),
    "key_figures": ("Key figures", "Chiffres clés", "Cifras clave"),
    "licence": ("Licence", "Licence", "Licencia"),
    "citation": ("Citation", "Citation", "Cita"),
    "publisher": ("Publisher", "Éditeur", "Editor"),
    "about_text": (
        "target87 brings together the data on UN SDG Target 8.7 (forced labour, modern "
        "slavery, human trafficking and child labour) with the source of every number.",
        "target87 rassemble les données sur la cible 8.7 des ODD (travail forcé, esclavage "
        "moderne, traite des personnes et travail des enfants) avec la source de chaque chiffre.",
        "target87 reúne los datos sobre la meta 8.7 de los ODS (trabajo forzoso, esclavitud "
        "moderna, trata de personas y trabajo infantil) con la fuente de cada cifra.",
    ),
    "not_found": ("Not found", "Introuvable", "No encontrado"),
    "count": ("countries", "pays", "países"),
    "skip": ("Skip to content", "Aller au contenu", "Ir al contenido"),
    "other_countries": ("other countries", "autres pays", "otros países"),
    "explore": ("Indicator explorer", "Explorateur d'indicateurs", "Explorador de indicadores"),
    "window": ("Years", "Années", "Años"),
    "sex": ("Sex", "Sexe", "Sexo"),
    "show": ("Show", "Afficher", "Mostrar"),
    "sort_by_value": ("sort by value", "trier par valeur", "ordenar por valor"),
    "sort_by_name": ("sort by name", "trier par nom", "ordenar por nombre"),
    "pathfinder_map": (
        "Alliance 8.7 Pathfinder Countries",
        "Pays pionniers de l'Alliance 8.7",
        "Países pioneros de la Alianza 8.7",
    ),
    "target_label": (
        "target {value} by {year}",
        "cible {value} en {year}",
        "meta {value} en {year}",
    ),
}


def label(key: str, lang: str = "en") -> str:
    texts = LABELS[key]
    return texts[LANGUAGES.index(lang)] if lang in LANGUAGES else texts[0]
