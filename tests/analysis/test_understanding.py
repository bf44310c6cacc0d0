"""What the analysis understands of a CCTP, family by family, on texts written for the tests.

Each test names a capability a buyer relies on: an obligation sentence addresses its family
even when vague, a passing mention does not, elements are concepts (figures in words, synonyms,
any word order) credited only from the family's own sentences, a heading and its sub-articles
are one clause, negations are read with their scope, and each verdict says why in French.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.analysis.analyze import analyze_bytes
from service.analysis.rules import Ruleset, ruleset_from_files
from service.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return ruleset_from_files(PROJECT_ROOT / "clauses")


def judge(ruleset: Ruleset, text: str, name: str = "cctp.md") -> dict[str, dict[str, Any]]:
    report = analyze_bytes(text.encode("utf-8"), name, ruleset)
    return {family["family"]: family for family in report["families"]}


PREAMBLE = (
    "# Article 1 – Objet\n\nLe présent marché porte sur l'exploitation d'un portail de "
    "démarches en ligne pour la commune de Brevanne.\n\n"
)

# -- 1. obligation sentences ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        ("Le titulaire veille à limiter l'empreinte environnementale du portail.", "sobriete"),
        (
            "Les clauses du présent marché relatives aux données pourront être revues si la loi "
            "évolue.",
            "revoyure",
        ),
        (
            "Le titulaire prend les mesures appropriées pour assurer la cybersécurité du portail.",
            "cybersecurite",
        ),
    ],
)
def test_a_vague_lone_obligation_is_a_weak_clause(
    ruleset: Ruleset, sentence: str, family: str
) -> None:
    text = PREAMBLE + "# Article 2 – Exécution\n\n" + sentence + "\n"
    assert judge(ruleset, text)[family]["verdict"] == "weak"


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        (
            "Lorsque l'outil propose un classement des demandes, le prestataire en documente le "
            "fonctionnement pour la ville.",
            "transparence_algorithmique",
        ),
        (
            "Les décisions prises à l'aide de l'outil de notation mentionnent son utilisation.",
            "transparence_algorithmique",
        ),
        (
            "Le titulaire s'attache à limiter la consommation d'énergie des serveurs utilisés "
            "pour le service.",
            "sobriete",
        ),
        (
            "Le prestataire privilégie des solutions techniques peu consommatrices de ressources.",
            "sobriete",
        ),
        (
            "L'acheteur peut reproduire et modifier les développements réalisés pour son compte.",
            "propriete_intellectuelle",
        ),
        (
            "La collectivité pourra publier sur son portail les données transmises par le "
            "titulaire.",
            "open_data",
        ),
        ("Les données saisies dans l'application restent celles de la ville.", "donnees_publiques"),
        ("Le titulaire protège l'application contre les attaques informatiques.", "cybersecurite"),
        ("Le prestataire indique le lieu où les données sont stockées.", "hebergement"),
        (
            "À l'issue du contrat, le titulaire aide la commune à reprendre ses données.",
            "reversibilite",
        ),
        (
            "Les parties se rencontrent chaque année pour faire le point sur l'exécution du "
            "contrat et l'adapter si nécessaire.",
            "revoyure",
        ),
        (
            "Le titulaire respecte la réglementation relative à la protection des données "
            "personnelles.",
            "rgpd",
        ),
    ],
)
def test_a_vague_sentence_in_everyday_words_addresses_its_family_alone(
    ruleset: Ruleset, sentence: str, family: str
) -> None:
    text = PREAMBLE + "# Article 5 – Exécution des prestations\n\n" + sentence + "\n"
    found = judge(ruleset, text)
    assert found[family]["verdict"] == "weak", found[family]["explanation"]
    assert [f for f, v in found.items() if v["verdict"] != "missing"] == [family]


@pytest.mark.parametrize(
    ("text", "family"),
    [
        (
            "# Sommaire\n\nArticle 7 – Réversibilité ........ 9\nArticle 8 – Hébergement "
            "........ 10\n",
            "reversibilite",
        ),
        (
            "# Article 2 – Définitions\n\n| Terme | Définition |\n|---|---|\n| Hébergement | "
            "Désigne la mise à disposition de serveurs. |\n",
            "hebergement",
        ),
        (
            "# Article 9 – Sobriété numérique\n\n# Article 10 – Prix\n\nLes prix sont fermes.\n",
            "sobriete",
        ),
        (
            "# Article 3 – Textes applicables\n\n- Règlement (UE) 2016/679 du 27 avril 2016 "
            "relatif à la protection des données personnelles\n- Loi n° 2021-1485 visant à "
            "réduire l'empreinte environnementale du numérique\n",
            "rgpd",
        ),
        (
            "# Article 6 – Intervention sur site\n\nL'hébergement des techniciens pendant les "
            "travaux est à la charge du titulaire.\n",
            "hebergement",
        ),
        (
            "# Article 6 – Armoires\n\nChaque armoire hébergeant les batteries est fermée à "
            "clé et contrôlée une fois par an par le titulaire.\n",
            "hebergement",
        ),
        (
            "# Article 6 – Luminaires\n\nLes données techniques de chaque luminaire figurent "
            "sur sa fiche, que le titulaire remet avec le matériel.\n",
            "donnees_publiques",
        ),
        (
            "# Article 11 – Données\n\nLes stipulations relatives aux données sont définies au "
            "CCAP.\n",
            "donnees_publiques",
        ),
        (
            "# Article 7 – Livraison\n\nLes palettes consignées demeurent la propriété du "
            "fournisseur et sont reprises à la livraison suivante.\n",
            "donnees_publiques",
        ),
        (
            "# Article 7 – Retards\n\nLa collectivité est informée sans délai de toute rupture "
            "de stock, avec une information sur la date de reprise des livraisons.\n",
            "donnees_publiques",
        ),
        (
            "# Article 6 – Données personnelles\n\nLes obligations du titulaire en matière de "
            "données personnelles figurent à l'article 9 du CCAP.\n",
            "rgpd",
        ),
        (
            "# Article 1 bis – Périmètre\n\nLe présent marché a pour objet la fourniture d'un "
            "logiciel de facturation en mode SaaS hébergé par le titulaire.\n",
            "hebergement",
        ),
        (
            "# Article 2 – Textes et référentiels\n\nLe titulaire respecte la loi n° 2021-1485 "
            "visant à réduire l'empreinte environnementale du numérique et le RGESN.\n",
            "sobriete",
        ),
        (
            "# Article 5 – Produits d'entretien\n\nLe titulaire remet la fiche de données de "
            "sécurité de chaque détergent avant sa première utilisation.\n",
            "cybersecurite",
        ),
        (
            "# Article 9 – Chantier\n\nLa sécurité des agents et des usagers est assurée selon le "
            "plan particulier de sécurité et de protection de la santé, remis au coordonnateur SPS "
            "avant l'ouverture du chantier.\n",
            "cybersecurite",
        ),
        (
            "# Article 9 – Chantier\n\nL'hébergement éventuel du personnel hors de la base vie "
            "est organisé et payé par le titulaire.\n",
            "hebergement",
        ),
        (
            "# Article 4 – Denrées\n\nLe titulaire tient à la disposition de la commune la base "
            "de données de ses fiches produits, avec les allergènes de chaque plat.\n",
            "propriete_intellectuelle",
        ),
        (
            "# Article 8 – Locaux\n\nLes climatisations réversibles des bureaux sont entretenues "
            "deux fois par an par le titulaire.\n",
            "reversibilite",
        ),
        (
            "# Article 15 – Équilibre\n\nToute économie d'énergie obtenue sur le chauffage du "
            "bâtiment est partagée entre les parties selon l'annexe financière.\n",
            "sobriete",
        ),
    ],
)
def test_a_passing_mention_is_not_a_clause(ruleset: Ruleset, text: str, family: str) -> None:
    assert judge(ruleset, PREAMBLE + text)[family]["verdict"] == "missing"


# -- 2. elements as concepts ----------------------------------------------------------------

CYBER = (
    "# Article 8 – Sécurité du système d'information\n\n"
    "Le titulaire remet un plan d'assurance sécurité avant la mise en service. "
    "Tout incident de sécurité est notifié à la commune {delay}. "
    "La commune peut faire réaliser chaque année un audit de sécurité et un test d'intrusion.\n"
)


@pytest.mark.parametrize(
    "delay",
    [
        "sous quarante-huit heures",
        "dans les 48 h",
        "dans un délai de deux jours ouvrés",
        "dans un délai de soixante-douze (72) heures",
        "sous 24 (vingt-quatre) heures",
    ],
)
def test_a_delay_in_words_or_digits_is_a_delay(ruleset: Ruleset, delay: str) -> None:
    finding = judge(ruleset, PREAMBLE + CYBER.format(delay=delay))["cybersecurite"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_an_incident_reported_within_a_figure_is_a_notification_delay(ruleset: Ruleset) -> None:
    text = PREAMBLE + CYBER.format(delay="sous quarante-huit heures").replace(
        "est notifié à la commune", "est signalé au service informatique de la commune"
    )
    finding = judge(ruleset, text)["cybersecurite"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_a_delay_without_a_figure_leaves_the_clause_weak(ruleset: Ruleset) -> None:
    finding = judge(ruleset, PREAMBLE + CYBER.format(delay="dans les meilleurs délais"))
    assert finding["cybersecurite"]["verdict"] == "weak"
    assert "notification" in finding["cybersecurite"]["explanation"]


REVERSIBILITY = (
    "# Article 12 – Fin du contrat\n\n"
    "À l'échéance du contrat, les fichiers de la commune, historiques et paramétrages compris, "
    "lui sont remis au format CSV ouvert et documenté, avec leur modèle de données, "
    "{delay}.\n"
)


@pytest.mark.parametrize(
    "delay", ["un mois au plus tard après la fin du contrat", "dans les trente jours qui suivent"]
)
def test_synonyms_and_word_order_state_the_elements(ruleset: Ruleset, delay: str) -> None:
    finding = judge(ruleset, PREAMBLE + REVERSIBILITY.format(delay=delay))["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_a_figure_about_something_else_is_not_the_return_delay(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 12 – Réversibilité\n\n"
        "Le titulaire remet un plan de réversibilité dans les trois mois suivant la "
        "notification. À la fin du contrat, il restitue l'ensemble des données de la commune "
        "au format CSV ouvert et documenté.\n"
    )
    finding = judge(ruleset, text)["reversibilite"]
    assert finding["verdict"] == "weak"
    assert "delai" in finding["essential_missing"]


# -- 3. structure ---------------------------------------------------------------------------

HEADED = """# Article 9 – Réversibilité

## 9.1 Périmètre

Sont restitués l'ensemble des données, les historiques et les paramétrages.

## 9.2 Formats

Les données sont restituées dans un format ouvert et documenté, avec le dictionnaire des données.

## 9.3 Délai

La restitution est achevée dans les deux mois suivant la fin du marché.
"""


def test_a_heading_and_its_sub_articles_are_one_clause(ruleset: Ruleset) -> None:
    finding = judge(ruleset, PREAMBLE + HEADED)["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]
    assert {"perimetre", "formats", "delai"} <= set(finding["elements_found"])


def test_an_ordinary_heading_is_read_over_its_sub_articles(ruleset: Ruleset) -> None:
    # « Hébergement » alone is an ordinary word; over sub-articles that speak of data it is the
    # hosting clause, and a sub-article titled with another family's ordinary word
    # (« sous-traitants ») stays part of it.
    text = PREAMBLE + (
        "# Article 9 – Hébergement\n\n"
        "## 9.1 Localisation\n\nLes données du portail et leurs sauvegardes sont stockées "
        "en France, dans un centre qualifié SecNumCloud exploité par le titulaire.\n\n"
        "## 9.2 Prestataires et sous-traitants\n\nLes sous-traitants intervenant sur les "
        "serveurs sont listés en annexe ; tout nouveau sous-traitant requiert l'accord "
        "préalable écrit de la commune.\n"
    )
    finding = judge(ruleset, text)["hebergement"]
    assert "sous_hebergeurs" in finding["elements_found"], finding["explanation"]


def test_two_names_of_one_thing_in_a_title_name_it_once(ruleset: Ruleset) -> None:
    # « Fin du contrat » and « fin du marché » are one signal: a title on the contract's end
    # and its changes is no réversibilité clause.
    text = PREAMBLE + (
        "# Titre 7 – Évolution et fin du contrat\n\n"
        "## 7.1 Avenants\n\nToute modification du contrat fait l'objet d'un avenant.\n\n"
        "## 7.2 Résiliation\n\nLa résiliation pour faute est prononcée après mise en demeure "
        "restée sans effet pendant un mois.\n"
    )
    assert judge(ruleset, text)["reversibilite"]["verdict"] == "missing"


def test_a_change_in_the_law_with_a_meeting_of_the_parties_is_a_review_clause(
    ruleset: Ruleset,
) -> None:
    text = PREAMBLE + (
        "# Article 20 – Changement de législation\n\n"
        "En cas de changement de la législation applicable au service en cours d'exécution, "
        "les parties se réunissent dans le mois afin d'arrêter les adaptations nécessaires, "
        "qui sont formalisées par avenant.\n"
    )
    finding = judge(ruleset, text)["revoyure"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_sub_articles_of_an_untitled_heading_that_speak_of_a_family_are_one_clause(
    ruleset: Ruleset,
) -> None:
    # The heading names a module, not the family; its sub-articles together state every
    # essential element of algorithmic transparency.
    text = PREAMBLE + (
        "# Article 6 – Outil de priorisation des demandes de logement\n\n"
        "## 6.1 Fonctionnement\n\nL'outil attribue à chaque demande un rang selon des "
        "critères votés par le conseil d'administration.\n\n"
        "## 6.2 Information des demandeurs\n\nChaque décision notifiée au demandeur indique "
        "qu'un traitement algorithmique a servi à la prendre et qu'il peut en obtenir les "
        "règles.\n\n"
        "## 6.3 Notice\n\nLe titulaire rédige une notice en langage clair décrivant les "
        "données utilisées, les critères et leur pondération.\n\n"
        "## 6.4 Cas particuliers\n\nÀ la demande d'un demandeur, le titulaire produit sous "
        "dix jours le détail du calcul appliqué à sa situation.\n"
    )
    finding = judge(ruleset, text)["transparence_algorithmique"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_an_algorithmic_processing_named_in_a_decision_addresses_transparency(
    ruleset: Ruleset,
) -> None:
    text = PREAMBLE + (
        "# Article 4 – Courriers\n\nLes courriers de réponse mentionnent que la demande a été "
        "examinée au moyen d'un traitement algorithmique.\n"
    )
    assert judge(ruleset, text)["transparence_algorithmique"]["verdict"] == "weak"


def test_a_sub_article_title_is_read_after_its_heading_title(ruleset: Ruleset) -> None:
    # « Données de fréquentation » then « Publication »: the publication of the data.
    text = PREAMBLE + (
        "# Article 6 – Données de fréquentation\n\n"
        "## 6.1 Inventaire\n\nLe titulaire tient à jour l'inventaire des équipements.\n\n"
        "## 6.2 Publication\n\nLa commune peut les diffuser sur son site chaque trimestre.\n"
    )
    assert judge(ruleset, text)["open_data"]["verdict"] in {"weak", "present"}


def test_markdown_headings_are_read_in_a_txt_file(ruleset: Ruleset) -> None:
    finding = judge(ruleset, PREAMBLE + HEADED, name="cctp.txt")["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]
    assert finding["evidence"][0]["section"].startswith("9")


def test_elements_are_looked_for_in_every_part_that_treats_the_family(ruleset: Ruleset) -> None:
    filler = "".join(
        f"# Article {n} – Prestation {n}\n\nLe titulaire réalise la prestation {n} selon le "
        "planning validé par la commune.\n\n"
        for n in range(2, 9)
    )
    text = (
        PREAMBLE
        + "# Article 1 bis – Hébergement\n\nLes données et leurs sauvegardes sont hébergées en "
        "France.\n\n"
        + filler
        + "# Article 20 – Hébergeurs\n\nLe titulaire communique la liste de ses sous-traitants "
        "d'hébergement et n'en change qu'avec l'accord écrit de la commune. Aucun transfert de "
        "données hors de l'Union européenne n'est permis.\n"
    )
    finding = judge(ruleset, text)["hebergement"]
    assert finding["verdict"] == "present", finding["explanation"]


# -- 4. negation, exceptions, freedoms --------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Aucun accès aux données depuis un État tiers ne peut être autorisé.",
        "Aucun format propriétaire n'est admis sans l'accord écrit de la commune.",
    ],
)
def test_a_protective_prohibition_strengthens_the_clause(ruleset: Ruleset, sentence: str) -> None:
    text = PREAMBLE + HEADED + "\n" + sentence + "\n"
    finding = judge(ruleset, text)["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        (
            "# Article 8 – Hébergement\n\nLes données peuvent être hébergées dans tout centre "
            "du prestataire, y compris hors de l'Union européenne, sans restriction.\n",
            "hebergement",
        ),
        (
            "# Article 8 – Données personnelles\n\nLe titulaire peut recourir librement à tout "
            "sous-traitant ultérieur pour traiter les données personnelles.\n",
            "rgpd",
        ),
        (
            "# Article 8 – Sobriété numérique\n\nLes exigences environnementales du présent "
            "article sont sans objet pour ce marché.\n",
            "sobriete",
        ),
        (
            "# Article 8 – Réversibilité\n\nÀ la fin du marché, le prestataire n'a pas "
            "l'obligation de remettre les historiques.\n",
            "reversibilite",
        ),
    ],
)
def test_a_freedom_or_a_denial_that_empties_the_clause_contradicts(
    ruleset: Ruleset, sentence: str, family: str
) -> None:
    finding = judge(ruleset, PREAMBLE + sentence)[family]
    assert finding["verdict"] == "contradicted"
    assert finding["contradiction"]["excerpt"]


def test_a_sentence_breaks_the_family_it_speaks_of_not_the_heading_it_stands_under(
    ruleset: Ruleset,
) -> None:
    text = PREAMBLE + (
        "# Article 5 – Données du service\n\n"
        "Les données produites par le service sont la propriété de la commune, qui y accède "
        "à tout moment et sans frais. "
        "Les données sont hébergées par le titulaire ou ses partenaires, y compris hors de "
        "l'Union européenne, sans restriction.\n"
    )
    findings = judge(ruleset, text)
    assert findings["hebergement"]["verdict"] == "contradicted"
    assert findings["donnees_publiques"]["verdict"] != "contradicted"


def test_the_contractors_freedom_to_reuse_breaks_the_data_clauses_not_open_data(
    ruleset: Ruleset,
) -> None:
    # Open data asks for publication; the contractor reusing the data for itself takes
    # nothing from it, but it empties the protection of the personal data.
    text = PREAMBLE + (
        "# Article 6 – Données personnelles\n\n"
        "Le titulaire traite les données personnelles des usagers pour le seul compte de la "
        "commune. Par dérogation, le titulaire peut librement réutiliser les données des "
        "usagers, une fois pseudonymisées, pour ses propres besoins statistiques.\n"
    )
    findings = judge(ruleset, text)
    assert findings["rgpd"]["verdict"] == "contradicted"
    assert findings["open_data"]["verdict"] == "missing", findings["open_data"]["explanation"]


@pytest.mark.parametrize(
    ("body", "family"),
    [
        (
            "# Article 8 – Hébergement\n\nLes données peuvent être hébergées dans n'importe "
            "quel pays de l'Union européenne, dans un centre qualifié SecNumCloud.\n",
            "hebergement",
        ),
        (
            "# Article 8 – Réversibilité\n\nÀ la fin du marché, le titulaire restitue les "
            "données au format CSV dans un délai d'un mois. Il choisit librement ses outils "
            "d'extraction. Aucun délai supplémentaire ne sera accordé.\n",
            "reversibilite",
        ),
        (
            "# Article 8 – Sobriété numérique\n\nLe prestataire peut librement proposer toute "
            "mesure de réduction de la consommation d'énergie du service.\n",
            "sobriete",
        ),
    ],
)
def test_a_bounded_freedom_or_a_relief_denied_is_no_contradiction(
    ruleset: Ruleset, body: str, family: str
) -> None:
    finding = judge(ruleset, PREAMBLE + body)[family]
    assert finding["verdict"] in {"weak", "present"}, finding["explanation"]


def test_a_freedom_given_in_the_passive_is_still_the_contractors(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 7 – Propriété des données\n\nLes données produites dans le cadre du "
        "marché peuvent être exploitées librement par le prestataire, pour tout usage.\n"
    )
    assert judge(ruleset, text)["donnees_publiques"]["verdict"] == "contradicted"


def test_a_family_heading_declared_void_is_a_contradiction(ruleset: Ruleset) -> None:
    text = PREAMBLE + "# Article 9 – Cybersécurité\n\nNéant.\n"
    assert judge(ruleset, text)["cybersecurite"]["verdict"] == "contradicted"


def test_an_ordinary_title_names_its_family_when_its_short_body_speaks_of_data(
    ruleset: Ruleset,
) -> None:
    text = PREAMBLE + (
        "# Article 14 – Fin du contrat\n\n"
        "Au terme du contrat, le prestataire remet à la commune les paramétrages et une "
        "extraction complète au format CSV dans les trente jours.\n"
    )
    assert judge(ruleset, text)["reversibilite"]["verdict"] in {"weak", "present"}


def test_synonymous_signals_weigh_once_in_a_sentence(ruleset: Ruleset) -> None:
    # « hébergement », « hébergeur » and « hébergées » are one signal: one sentence on
    # hosted data does not make a data-ownership article a hosting clause.
    text = PREAMBLE + (
        "# Article 8 – Données\n\n"
        "Les données hébergées par l'hébergeur du service d'hébergement restent la propriété "
        "de la commune. La commune pourra publier les indicateurs en données ouvertes.\n"
    )
    assert judge(ruleset, text)["open_data"]["verdict"] == "weak"


def test_an_element_is_never_credited_from_a_denied_sentence(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 8 – Hébergement\n\nLes données ne sont pas nécessairement hébergées en "
        "France ni dans l'Union européenne.\n"
    )
    assert "localisation" not in judge(ruleset, text)["hebergement"]["elements_found"]


# -- 6. verdicts a person can trust ---------------------------------------------------------


def test_each_verdict_says_why_in_one_french_sentence(ruleset: Ruleset) -> None:
    found = judge(ruleset, PREAMBLE + CYBER.format(delay="dans les meilleurs délais") + HEADED)
    assert found["reversibilite"]["explanation"].startswith("Présente : l'article 9")
    assert found["cybersecurite"]["explanation"].startswith("Insuffisante : l'article 8")
    assert "délai de notification" in found["cybersecurite"]["explanation"]
    assert found["rgpd"]["explanation"].startswith("Absente :")


def test_a_freedom_to_host_anywhere_credits_neither_location_nor_transfers(
    ruleset: Ruleset,
) -> None:
    text = PREAMBLE + (
        "# Article 8 – Hébergement\n\nLe prestataire héberge les données dans ses centres de "
        "données, y compris hors de l'Union européenne, sans restriction.\n"
    )
    finding = judge(ruleset, text)["hebergement"]
    assert finding["verdict"] == "contradicted"
    assert not {"localisation", "transferts"} & set(finding["elements_found"])


def test_a_manner_between_the_restitution_and_its_delay_takes_nothing_from_it(
    ruleset: Ruleset,
) -> None:
    text = PREAMBLE + (
        "# Article 9 – Réversibilité\n\nÀ la fin du marché, le titulaire restitue les données "
        "au format CSV dans un délai de six semaines.\n"
    )
    assert "delai" in judge(ruleset, text)["reversibilite"]["elements_found"]


# -- predicates and their objects ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        # a reflexive verb after the party binds it
        ("Le prestataire s'applique à alléger le poids des pages du portail.", "sobriete"),
        # what is done to what: a predicate and its object, no signal phrase
        ("La commune peut diffuser les statistiques de consultation du portail.", "open_data"),
        (
            "Les enregistrements des caméras sont stockés sur les serveurs du centre de "
            "supervision de la commune.",
            "hebergement",
        ),
        (
            "Au terme du contrat, le titulaire remet à la commune les fichiers des usagers et "
            "l'historique des demandes.",
            "reversibilite",
        ),
        (
            "Le titulaire remet une notice décrivant les règles de calcul de la priorité des "
            "demandes.",
            "transparence_algorithmique",
        ),
        (
            "Les paramétrages (formulaires, circuits de validation, modèles de courrier) "
            "réalisés pour la commune lui appartiennent.",
            "propriete_intellectuelle",
        ),
    ],
)
def test_a_predicate_and_its_object_address_the_family(
    ruleset: Ruleset, sentence: str, family: str
) -> None:
    text = PREAMBLE + "# Article 2 – Exécution\n\n" + sentence + "\n"
    verdict = judge(ruleset, text)[family]
    assert verdict["verdict"] == "weak", verdict["explanation"]
    assert any("…" in reason for reason in verdict["reasons"]) or "s'applique" in sentence


@pytest.mark.parametrize(
    "sentence",
    [
        # the verb and the noun stand at two ends of a long sentence: no predicate-object
        "Le titulaire publie chaque année, au plus tard le 30 juin, après validation par le "
        "comité de pilotage réuni à cet effet et consultation des usagers, le rapport de ses "
        "activités et les données d'exploitation.",
        # a word in brackets is not the object of the verb outside them
        "Le titulaire remet une description des paramètres (données utilisées, seuils, ordre "
        "des opérations), publiée ensuite sur le site de la commune.",
    ],
)
def test_a_predicate_far_from_its_noun_is_no_open_data_clause(
    ruleset: Ruleset, sentence: str
) -> None:
    text = PREAMBLE + "# Article 2 – Exécution\n\n" + sentence + "\n"
    assert judge(ruleset, text)["open_data"]["verdict"] == "missing"


def test_a_chapter_heading_does_not_lend_its_subject_to_other_articles(ruleset: Ruleset) -> None:
    text = (
        PREAMBLE
        + "# Chapitre 2 – Usagers et tarifs\n\n"
        + "## 2 Tarifs\n\nLes tarifs sont votés par le conseil municipal et appliqués par le "
        "titulaire.\n\n"
        + "## 3 Réduction automatique\n\nLa réduction est calculée par un algorithme à partir "
        "du quotient familial. La décision adressée à la famille mentionne qu'elle a été prise "
        "sur le fondement d'un traitement algorithmique.\n\n"
        + "## 4 Accueil\n\nLe titulaire tient un guichet ouvert trente heures par semaine.\n"
    )
    evidence = judge(ruleset, text)["transparence_algorithmique"]["evidence"]
    assert {item["section"] for item in evidence} == {"3"}


def test_a_document_title_does_not_make_every_article_its_subject(ruleset: Ruleset) -> None:
    text = (
        "# CCTP — Portail de données ouvertes de la commune\n\n"
        "## 1 Objet\n\nLe marché porte sur la fourniture d'un portail.\n\n"
        "## 2 Données de la commune\n\nLes statistiques de fréquentation du portail "
        "appartiennent à la commune.\n\n"
        "## 3 Accueil\n\nLe titulaire assure une assistance téléphonique les jours ouvrés.\n"
    )
    verdicts = judge(ruleset, text)
    assert verdicts["donnees_publiques"]["verdict"] == "weak"
    assert verdicts["open_data"]["verdict"] == "missing"


def test_an_option_chosen_in_the_ccag_is_a_stipulation(ruleset: Ruleset) -> None:
    text = (
        PREAMBLE + "# Article 6 – Propriété intellectuelle\n\n"
        "Les droits sur les résultats sont régis par l'option de cession prévue au CCAG-TIC. "
        "Les résultats comprennent les développements et la documentation produits au titre "
        "du marché.\n"
    )
    verdict = judge(ruleset, text)["propriete_intellectuelle"]
    assert "regime_droits" in verdict["elements_found"], verdict["reasons"]


def test_a_hint_in_parts_finds_its_words_anywhere_in_the_sentence(ruleset: Ruleset) -> None:
    text = (
        PREAMBLE + "# Article 5 – Décisions de la commune\n\n"
        "La décision adressée à la famille et la notification de son tarif indiquent, en "
        "termes clairs et dans une rubrique distincte, le recours à un traitement "
        "algorithmique.\n"
    )
    verdict = judge(ruleset, text)["transparence_algorithmique"]
    assert "mention_decision" in verdict["elements_found"], verdict["reasons"]


# -- whose freedom, which subject ------------------------------------------------------------


def test_a_freedom_of_the_buyer_named_by_a_pronoun_breaks_nothing(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 11 – Droits sur les résultats\n\n"
        "Le titulaire cède à la commune les droits patrimoniaux sur les résultats (option B du "
        "CCAG-TIC), pour toute la durée des droits. La commune est productrice des bases de "
        "données constituées ; elle peut en extraire et en réutiliser librement le contenu.\n"
    )
    finding = judge(ruleset, text)["propriete_intellectuelle"]
    assert finding["verdict"] != "contradicted", finding["explanation"]


def test_a_void_declaration_voids_the_subject_it_names(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 6 – Sécurité\n\n"
        "## 6.1 Plan de sécurité\n\nLe titulaire remet un plan d'assurance sécurité sous un mois, "
        "notifie tout incident sous vingt-quatre heures. La commune peut faire réaliser chaque "
        "année un audit de sécurité et un test d'intrusion.\n\n"
        "## 6.2 Critères sociaux\n\nLes exigences d'insertion sociale sont sans objet pour le "
        "présent marché.\n"
    )
    finding = judge(ruleset, text)["cybersecurite"]
    assert finding["verdict"] == "present", finding["explanation"]
    voided = PREAMBLE + "# Article 7 – Sobriété numérique\n\nSans objet.\n"
    assert judge(ruleset, voided)["sobriete"]["verdict"] == "contradicted"


@pytest.mark.parametrize(
    "sentence",
    [
        "Les fichiers de fréquentation deviennent la propriété du prestataire, qui peut les "
        "conserver.",
        "Le prestataire peut exploiter librement les données de fréquentation, y compris auprès "
        "de tiers.",
        "Les données de comptage deviennent la propriété du prestataire, qui peut les exploiter "
        "librement, y compris pour le développement de ses offres.",
    ],
)
def test_the_buyers_data_taken_break_their_status_not_the_rights_on_results(
    ruleset: Ruleset, sentence: str
) -> None:
    text = PREAMBLE + (
        "# Article 9 – Propriété des données et des résultats\n\n"
        "Les études et rapports remis sont cédés à la commune selon l'option B du CCAG-TIC. "
        + sentence
        + "\n"
    )
    findings = judge(ruleset, text)
    assert findings["donnees_publiques"]["verdict"] == "contradicted"
    assert findings["propriete_intellectuelle"]["verdict"] != "contradicted"


@pytest.mark.parametrize(
    ("sentence", "verdict"),
    [
        (
            "Le titulaire peut faire appel à tout sous-traitant ultérieur de son choix, sans "
            "autorisation préalable de la commune.",
            "contradicted",
        ),
        (
            "Le titulaire ne peut faire appel à un sous-traitant ultérieur sans autorisation "
            "préalable de la commune.",
            "weak",
        ),
    ],
)
def test_without_the_buyers_consent_frees_unless_a_negation_forbids(
    ruleset: Ruleset, sentence: str, verdict: str
) -> None:
    text = PREAMBLE + (
        "# Article 10 – Données personnelles\n\nLe titulaire traite les données personnelles "
        "des usagers pour le compte de la commune. " + sentence + "\n"
    )
    assert judge(ruleset, text)["rgpd"]["verdict"] == verdict


def test_an_accord_cadre_is_a_contract(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Chapitre 5 – Fin de l'accord-cadre\n\nAu terme de l'accord-cadre, les fichiers de la "
        "commune lui sont remis par le titulaire.\n"
    )
    assert judge(ruleset, text)["reversibilite"]["verdict"] == "weak"


def test_a_duty_on_the_party_named_by_a_pronoun_binds(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 6 – Exploitation\n\nLe titulaire assure l'exploitation courante du portail. "
        "Il signale à la commune les incidents de sécurité.\n"
    )
    assert judge(ruleset, text)["cybersecurite"]["verdict"] == "weak"


def test_a_clause_between_commas_does_not_part_a_verb_from_its_object(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Chapitre 4 – Exploitation\n\n## 4.3 Statut des données\n\nLes relevés de "
        "fréquentation et les historiques de réservation, qu'ils soient saisis par les agents ou "
        "produits par le logiciel du titulaire, appartiennent à la commune. Elle y accède "
        "gratuitement et à tout moment depuis l'outil.\n"
    )
    finding = judge(ruleset, text)["donnees_publiques"]
    assert finding["verdict"] in {"weak", "present"}, finding["explanation"]
    assert "propriete" in finding["elements_found"]


def test_a_definition_inside_the_clause_states_its_scope(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 7 – Données de l'outil\n\nLes « données de l'outil » s'entendent des données "
        "saisies par les agents, des données produites par le logiciel et des métadonnées. "
        "Elles appartiennent à la commune, qui y accède à tout moment et sans frais.\n"
    )
    finding = judge(ruleset, text)["donnees_publiques"]
    assert "perimetre" in finding["elements_found"], finding["explanation"]
    glossary = PREAMBLE + (
        "# Article 2 – Définitions\n\nLes « données de l'outil » s'entendent des données saisies "
        "par les agents et des données produites par le logiciel.\n"
    )
    assert judge(ruleset, glossary)["donnees_publiques"]["verdict"] == "missing"


def test_a_title_names_a_noun_and_its_complement_in_their_order(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 7 – Données du portail\n\nLes données du portail sont la propriété de la "
        "commune, qui y accède à tout moment et sans frais.\n"
    )
    findings = judge(ruleset, text)
    assert findings["donnees_publiques"]["verdict"] in {"weak", "present"}
    assert findings["open_data"]["verdict"] == "missing"


@pytest.mark.parametrize(
    "when", ["le cinq de chaque mois", "toutes les deux semaines", "trimestriellement"]
)
def test_any_frequency_states_how_often_data_are_delivered(ruleset: Ruleset, when: str) -> None:
    text = PREAMBLE + (
        "# Article 8 – Ouverture des données\n\nLe titulaire dépose sur le portail de données "
        f"ouvertes de la commune, {when}, les fichiers de fréquentation au format CSV (UTF-8), "
        "que la commune publie sous Licence Ouverte 2.0.\n"
    )
    finding = judge(ruleset, text)["open_data"]
    assert "frequence" in finding["elements_found"], finding["explanation"]


def test_sub_articles_numbered_with_a_hyphen_are_sections(ruleset: Ruleset) -> None:
    text = (
        "ARTICLE 1 : OBJET\n\nLe présent marché porte sur un service de prise de rendez-vous.\n\n"
        "ARTICLE 6 : FIN DU MARCHÉ\n\n6-1. Données restituées\nLe titulaire restitue les "
        "rendez-vous, les agendas et les paramétrages.\n\n6-2. Formats\nLes fichiers sont "
        "remis dans un format ouvert (CSV, UTF-8) avec le modèle de données.\n\n6-3. Délai\nLa "
        "restitution a lieu "
        "dans les quinze jours suivant la fin du marché.\n"
    )
    finding = judge(ruleset, text, "cctp.txt")["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]
    assert {e["section"] for e in finding["evidence"]} <= {"6", "6-1", "6-2", "6-3"}


def test_a_right_the_contractor_does_not_acquire_is_a_protection(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 9 – Exploitation\n\nLe prestataire ne s'approprie aucun droit sur les données "
        "des usagers du portail.\n"
    )
    assert judge(ruleset, text)["donnees_publiques"]["verdict"] == "weak"


def test_information_handed_over_at_the_end_is_a_return(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 21 – Fin de la convention\n\nAu terme de la convention, l'exploitant remet à "
        "la commune les informations utiles à la reprise du service : réservations en cours, "
        "contrats d'entretien, historique des pannes.\n"
    )
    assert judge(ruleset, text)["reversibilite"]["verdict"] == "weak"


def test_security_updates_of_the_software_address_cybersecurity(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 5 – Exploitation\n\nLe titulaire installe les mises à jour de sécurité du "
        "logiciel dans les cinq jours ouvrés suivant leur parution.\n"
    )
    assert judge(ruleset, text)["cybersecurite"]["verdict"] == "weak"


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        (
            "Les données saisies dans le logiciel appartiennent au prestataire, qui peut les "
            "exploiter à ses propres fins.",
            "donnees_publiques",
        ),
        (
            "Les résultats des études appartiennent au prestataire, qui peut les exploiter à ses "
            "propres fins.",
            "propriete_intellectuelle",
        ),
    ],
)
def test_what_belongs_to_the_contractor_is_claimed(
    ruleset: Ruleset, sentence: str, family: str
) -> None:
    text = PREAMBLE + "# Article 9 – Propriété\n\n" + sentence + "\n"
    assert judge(ruleset, text)[family]["verdict"] == "contradicted"


def test_it_is_the_contractors_duty_is_no_claim(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 9 – Données personnelles\n\nIl appartient au titulaire de s'assurer que ses "
        "sous-traitants ultérieurs présentent les garanties prévues par l'article 28 du RGPD.\n"
    )
    assert judge(ruleset, text)["rgpd"]["verdict"] != "contradicted"


def test_an_algorithm_that_allots_places_addresses_transparency(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 14 – Places en crèche\n\nLes places sont proposées aux familles selon un "
        "algorithme de classement dont le titulaire fournit la description.\n"
    )
    assert judge(ruleset, text)["transparence_algorithmique"]["verdict"] == "weak"


def test_hosting_elements_in_other_words(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 6 – Hébergement\n\nLe portail et ses copies de secours restent sur le "
        "territoire français, chez l'hébergeur désigné dans l'offre, certifié SecNumCloud ; "
        "le titulaire ne change pas d'hébergeur sans accord écrit de la commune. Aucun accès "
        "aux données n'est ouvert depuis un État tiers.\n"
    )
    finding = judge(ruleset, text)["hebergement"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_a_breach_reported_in_other_words_is_a_notification(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 8 – Sécurité du système d'information\n\nLe titulaire remet un plan "
        "d'assurance sécurité avant la mise en service. Il prévient la commune de toute "
        "intrusion ou compromission sous quatre heures. La commune peut faire réaliser chaque "
        "année un audit de sécurité.\n"
    )
    finding = judge(ruleset, text)["cybersecurite"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_a_duty_to_protect_personal_data_denied_contradicts(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 7 – Données personnelles\n\nLe titulaire n'est pas tenu d'informer la "
        "commune des violations de données à caractère personnel.\n"
    )
    assert judge(ruleset, text)["rgpd"]["verdict"] == "contradicted"


def test_within_the_month_that_follows_is_a_delay(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 9 – Sortie\n\nDans le mois qui suit la fin du marché, le titulaire remet à la "
        "commune toutes les données et pièces jointes des dossiers au format CSV, avec le modèle "
        "de données.\n"
    )
    finding = judge(ruleset, text)["reversibilite"]
    assert "delai" in finding["elements_found"], finding["explanation"]


def test_the_data_used_for_no_other_purpose_is_a_data_clause(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 20 – Dispositions diverses\n\nLe titulaire n'emploie les fichiers de la "
        "commune à aucune autre fin que l'exécution du marché.\n"
    )
    assert judge(ruleset, text)["donnees_publiques"]["verdict"] == "weak"


@pytest.mark.parametrize(
    "when",
    [
        "au plus tard le trentième jour suivant l'échéance du marché",
        "au plus tard le 30e jour suivant l'échéance du marché",
        "six semaines après la fin du marché",
    ],
)
def test_a_day_counted_from_the_end_is_the_return_delay(ruleset: Ruleset, when: str) -> None:
    text = PREAMBLE + (
        "# Article 9 – Réversibilité\n\nLe titulaire restitue à la commune, " + when + ", "
        "l'ensemble des dossiers et de leurs métadonnées dans un format ouvert documenté par le "
        "modèle de données.\n"
    )
    finding = judge(ruleset, text)["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]


def test_a_delay_in_a_table_row_of_the_clause_is_its_delay(ruleset: Ruleset) -> None:
    text = PREAMBLE + (
        "# Article 9 – Réversibilité\n\n| Point | Engagement |\n|---|---|\n"
        "| Périmètre | Dossiers, pièces jointes, journaux et paramétrages |\n"
        "| Format | Fichiers CSV en UTF-8 et modèle de données |\n"
        "| Délai | Vingt jours après la fin du marché |\n"
    )
    finding = judge(ruleset, text)["reversibilite"]
    assert finding["verdict"] == "present", finding["explanation"]


@pytest.mark.parametrize(
    ("article", "family"),
    [
        (
            "# Article 6 – Hébergement\n\nLe portail est hébergé en France, hormis les copies de "
            "secours, que le titulaire stocke comme bon lui semble.\n",
            "hebergement",
        ),
        (
            "# Article 9 – Réversibilité\n\nAu terme du marché, le titulaire remet les fichiers "
            "des usagers, sous réserve de son accord sur leur usage par la commune.\n",
            "reversibilite",
        ),
        (
            "# Article 7 – Données personnelles\n\nLe titulaire peut faire traiter les données "
            "personnelles des usagers par tout prestataire de son choix.\n",
            "rgpd",
        ),
    ],
)
def test_the_contractors_wish_or_consent_as_the_rule_contradicts(
    ruleset: Ruleset, article: str, family: str
) -> None:
    assert judge(ruleset, PREAMBLE + article)[family]["verdict"] == "contradicted"


def test_a_publication_denied_without_the_contractors_consent_contradicts_open_data(
    ruleset: Ruleset,
) -> None:
    """The buyer's publication held to the contractor's veto, in a denied sentence whose verb
    stands far from its noun: the frame is not dropped with ordinary denials."""
    finding = judge(
        ruleset,
        PREAMBLE + "# Article 10 – Diffusion\n\nAucune donnée relative à la fréquentation du "
        "portail ne pourra être diffusée par la commune sans l'accord écrit du prestataire, "
        "lequel demeure libre de le refuser.\n",
    )["open_data"]
    assert finding["verdict"] == "contradicted"


def test_a_datum_in_the_singular_is_data() -> None:
    """« donnée » is no participle of « donner »: singular and plural are one concept, and the
    word is no verb."""
    from service.analysis.text import IndexedText, concept

    assert concept("donnée") == concept("données") == concept("donnees")
    assert not IndexedText.build("Chaque donnée du registre.").with_verb


def test_data_in_the_singular_address_their_family(ruleset: Ruleset) -> None:
    finding = judge(
        ruleset,
        PREAMBLE + "# Article 4 – Statut\n\nToute donnée saisie par les agents sur le portail "
        "reste la propriété de la commune.\n",
    )["donnees_publiques"]
    assert finding["verdict"] in ("weak", "present")


def test_a_qualified_host_in_france_is_a_complete_hosting_clause(ruleset: Ruleset) -> None:
    """Where, by whom, under which qualification: SecNumCloud answers the third modality as
    well as a rule on transfers does."""
    finding = judge(
        ruleset,
        PREAMBLE + "# Article 5 – Hébergement\n\nLe portail, ses données et leurs copies de "
        "secours sont hébergés sur le territoire national par une offre qualifiée SecNumCloud, "
        "auprès de l'opérateur nommé dans le mémoire technique ; tout autre hébergeur requiert "
        "l'accord écrit de la commune.\n",
    )["hebergement"]
    assert finding["verdict"] == "present", finding["explanation"]


@pytest.mark.parametrize("verb", ["reste", "demeure", "restent", "demeurent"])
def test_to_remain_is_a_verb_even_where_it_reads_as_a_noun(verb: str) -> None:
    """« la base demeure la propriété de … »: « demeure » and « reste » are also nouns; both
    verbs are one concept."""
    from service.analysis.text import IndexedText, concept

    assert IndexedText.build(f"Les fichiers {verb} la propriété de la commune.").with_verb
    assert concept(verb) == concept("demeurer")


def test_an_intrusion_is_a_security_matter_of_a_system_only(ruleset: Ruleset) -> None:
    """Intruders kept out of a sports hall by guards are no information security; intrusions
    into the remote-management system are."""
    guarded = judge(
        ruleset,
        "# Article 3 – Missions\n\nLe titulaire assure l'accueil du public, la surveillance des "
        "accès et la détection des intrusions dans le gymnase pendant les manifestations.\n",
    )["cybersecurite"]
    assert guarded["verdict"] == "missing"
    system = judge(
        ruleset,
        PREAMBLE + "# Article 12 – Supervision\n\nLe titulaire protège le système de "
        "supervision des pompes contre les intrusions par des mesures adaptées.\n",
    )["cybersecurite"]
    assert system["verdict"] in ("weak", "present")
    alarm = judge(
        ruleset,
        "# Article 11 – Télésurveillance\n\nLe titulaire raccorde le système d'alarme "
        "anti-intrusion du musée au poste de télésurveillance de la ville.\n",
    )["cybersecurite"]
    assert alarm["verdict"] == "missing"


def test_a_meeting_is_no_verb_and_its_pronoun() -> None:
    """« rendez-vous » is one word: « rendra contractuels » is no « rendez-vous contractuel »."""
    from service.analysis.text import stems_of

    assert stems_of("rendez-vous contractuel") != stems_of("rendra contractuels")


def test_the_service_taken_over_by_a_successor_is_a_reversibility_clause(
    ruleset: Ruleset,
) -> None:
    finding = judge(
        ruleset,
        PREAMBLE + "# Article 14 – Changement de titulaire\n\nÀ l'issue du marché, le "
        "prestataire facilite la reprise de l'exploitation par son successeur.\n",
    )["reversibilite"]
    assert finding["verdict"] == "weak"


def test_the_manufacturers_technical_data_are_not_the_buyers(ruleset: Ruleset) -> None:
    """The data of a manufacturer's datasheet, claimed by it, take nothing from the buyer."""
    finding = judge(
        ruleset,
        "# Article 6 – Documentation\n\nLes données techniques du fabricant des pompes "
        "demeurent sa propriété et ne sont pas communiquées à des tiers.\n",
    )["donnees_publiques"]
    assert finding["verdict"] == "missing"


def test_a_revision_of_prices_is_no_review_of_the_clauses(ruleset: Ruleset) -> None:
    """Prices revised on an index, even under a title saying « revoyure », review no clause;
    the clauses re-examined when the law changes do."""
    for text in (
        "# Article 5 – Clause de réexamen tarifaire\n\nSi l'indice varie de plus de 10 %, "
        "chaque partie peut demander une réunion pour réexaminer les prix unitaires.\n",
        "# Article 5 – Prix\n\nLes tarifs de location sont révisés chaque année selon la "
        "formule de l'article 4 ; la révision des prix est notifiée par lettre.\n",
    ):
        assert judge(ruleset, text)["revoyure"]["verdict"] == "missing", text
    clauses = judge(
        ruleset,
        PREAMBLE + "# Article 18 – Réexamen\n\nLes clauses relatives aux données seront "
        "réexaminées à la demande de l'acheteur lorsque la réglementation change.\n",
    )["revoyure"]
    assert clauses["verdict"] in ("weak", "present")


def test_data_at_the_service_of_a_goal_are_not_the_services_data(ruleset: Ruleset) -> None:
    """« au service de » is « for »: « des données au service de la mobilité » are no
    « données du service »."""
    finding = judge(
        ruleset,
        "# 3.2 Équipe data\n\nL'équipe organise, nettoie et valorise les données au service "
        "du pilotage des politiques publiques de l'agglomération.\n",
    )["donnees_publiques"]
    assert finding["verdict"] == "missing"


def test_no_access_from_a_third_country_is_a_hosting_clause(ruleset: Ruleset) -> None:
    """Keeping the data out of reach of third countries is where and how they are hosted:
    the hosting clause's transfer rule, found."""
    finding = judge(
        ruleset,
        PREAMBLE + "# Article 8 – Localisation\n\nLes serveurs sont installés en France. Nul "
        "accès aux données ne peut être autorisé depuis un État tiers, maintenance comprise.\n",
    )["hebergement"]
    assert finding["verdict"] in ("weak", "present")
    assert "transferts" in finding["elements_found"]


def test_csv_and_xml_are_open_formats_of_a_restitution(ruleset: Ruleset) -> None:
    finding = judge(
        ruleset,
        PREAMBLE + "# Article 15 – Réversibilité\n\nÀ la fin du marché, le titulaire restitue "
        "à l'acheteur les données et les paramétrages, au format CSV ou XML, dans un délai d'un "
        "mois.\n",
    )["reversibilite"]
    assert "formats" in finding["elements_found"]


def test_business_secrecy_kept_from_the_buyer_empties_the_transparency(ruleset: Ruleset) -> None:
    """The contractor's business secrecy limits what the public is told, never what the buyer
    is: parameters withheld from the buyer itself contradict the transparency clause."""
    finding = judge(
        ruleset,
        PREAMBLE + "# 6.4 Moteur de priorisation\n\nLes règles de calcul de l'algorithme de "
        "classement des demandes sont couvertes par le secret des affaires de l'éditeur et ne "
        "sont communiquées ni à la métropole ni aux usagers.\n",
    )["transparence_algorithmique"]
    assert finding["verdict"] == "contradicted"
    public = judge(
        ruleset,
        PREAMBLE + "# 6.4 Publication\n\nLes jeux de données sont publiés chaque mois en CSV ; "
        "ne sont pas publiées les données couvertes par le secret des affaires.\n",
    )["open_data"]
    assert public["verdict"] != "contradicted"


def test_an_ordinary_word_beside_a_word_of_data_names_its_family(ruleset: Ruleset) -> None:
    """« Hébergement et sécurité du portail » names hosting as well as security: its sentence
    on where the portal is hosted is a hosting clause, and the title names no host."""
    finding = judge(
        ruleset,
        PREAMBLE + "## 7.2 Hébergement et sécurité du portail\n\nLe portail des usagers est "
        "hébergé dans l'Union européenne. Le titulaire applique les correctifs de sécurité "
        "sous huit jours.\n",
    )["hebergement"]
    assert finding["verdict"] in ("weak", "present")
    assert "sous_hebergeurs" not in finding["elements_found"]


def test_the_security_of_a_system_is_information_security(ruleset: Ruleset) -> None:
    """« la sécurité du système de billettique » is information security; the security of a
    site, an alarm system or a fire-safety system is not."""
    system = judge(
        ruleset,
        PREAMBLE + "# 6 Exploitation\n\nL'exploitant répond de la sécurité du système de "
        "billettique et en rend compte au comité de suivi.\n",
    )["cybersecurite"]
    assert system["verdict"] in ("weak", "present")
    for text in (
        "# 4 Gardiennage\n\nLe titulaire répond de la sécurité du site et vérifie le système "
        "d'alarme à chaque ronde.\n",
        "# 4 Gardiennage\n\nLe titulaire répond de la sécurité du système d'alarme de la "
        "médiathèque.\n",
    ):
        assert judge(ruleset, text)["cybersecurite"]["verdict"] == "missing", text


def test_data_that_stay_stored_at_the_contractors_are_no_ownership(ruleset: Ruleset) -> None:
    """« qui demeure stocké chez lui » says where the data stay, not whose they are: the
    restitution it denies contradicts the reversibility clause; and a « mise en demeure » is a
    formal notice, no word of remaining."""
    finding = judge(
        ruleset,
        PREAMBLE + "# 9 Fin du contrat\n\nAu terme du contrat, le prestataire remet les "
        "plans des réseaux. Il n'est pas tenu de restituer l'historique des données de "
        "comptage, qui demeure stocké sur ses serveurs.\n",
    )
    assert finding["reversibilite"]["verdict"] == "contradicted"
    assert finding["donnees_publiques"]["verdict"] == "missing"
    notice = judge(
        ruleset,
        "# 15 Pénalités\n\nAprès mise en demeure restée sans effet, les données de comptage "
        "manquantes sont fournies sous huit jours.\n",
    )
    assert notice["donnees_publiques"]["verdict"] == "missing"


@pytest.mark.parametrize(
    "sentence",
    [
        "Seuls les utilisateurs habilités accèdent au logiciel de gestion, chacun avec un "
        "identifiant personnel et un profil d'habilitation adapté à ses fonctions.",
        "Chaque opération effectuée sur l'application est inscrite dans un journal horodaté "
        "que l'exploitant ne peut pas modifier.",
        "Le gestionnaire met en œuvre un système d'information sécurisé pour l'instruction des "
        "demandes.",
        "Le logiciel contrôle l'intégrité des fichiers reçus et l'authentification des agents "
        "avant toute correction.",
        "Les droits d'accès à la plateforme sont attribués par l'acheteur et revus chaque "
        "trimestre.",
    ],
)
def test_access_control_logging_and_integrity_are_information_security(
    ruleset: Ruleset, sentence: str
) -> None:
    """Authorised users, authentication, access rights, a timestamped log, the integrity of
    files: the measures of a system's security, in a document that says no « cybersécurité »."""
    finding = judge(ruleset, f"# 6 Exploitation du service\n\n{sentence}\n")["cybersecurite"]
    assert finding["verdict"] == "weak", sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Le personnel intervenant sur les tableaux électriques détient une habilitation "
        "électrique adaptée à la tension.",
        "L'agent assure le contrôle d'accès des visiteurs à l'entrée du bâtiment et tient le "
        "registre des entrées.",
        "L'entreprise tient un journal de chantier horodaté des livraisons de matériaux.",
        "Au-delà de trente mètres, la liaison est réalisée en fibre optique pour la "
        "sécurisation des données transmises.",
        "Le titulaire veille à l'intégrité physique des personnes présentes sur le site.",
    ],
)
def test_the_same_words_about_a_site_or_a_trade_are_no_information_security(
    ruleset: Ruleset, sentence: str
) -> None:
    """An electrical habilitation, a building's access control, a site diary, a cable chosen
    for its security, people's safety: other senses of the same words."""
    finding = judge(ruleset, f"# 6 Exécution des prestations\n\n{sentence}\n")["cybersecurite"]
    assert finding["verdict"] == "missing", sentence


def test_files_the_authority_may_export_at_any_time_are_a_data_clause(ruleset: Ruleset) -> None:
    """The buyer's access at any time to the files of the system, whatever the verb."""
    finding = judge(
        ruleset,
        "# 4 Contrôle\n\nLes agents de la commune peuvent à tout moment visualiser et "
        "exporter les fichiers tenus par le délégataire.\n",
    )["donnees_publiques"]
    assert finding["verdict"] == "weak"
