"""The grammar of contract language (service/analysis/language.py, text.py), sentence by sentence.

Every sentence here was written for the tests.
"""

from __future__ import annotations

import pytest

from service.analysis.language import has_quantity, is_passing, negation_kinds
from service.analysis.text import IndexedText, fold, stems_of


@pytest.mark.parametrize(
    "sentence",
    [
        "Le titulaire signale tout incident sous soixante-douze heures.",
        "Les fichiers sont transmis dans les quinze jours suivant la fin du trimestre.",
        "L'export est déposé toutes les semaines sur le serveur de la ville.",
        "Une fois par trimestre, le concessionnaire dépose le jeu de données.",
        "Le tableau de bord est alimenté mensuellement.",
        "La copie complète est remise sous un mois.",
        "Les mesures sont publiées au fil de l'eau.",
        "Le rapport est remis au plus tard le 31 mars de chaque année.",
        "Délai : 30 j.",
    ],
)
def test_figures_of_time_in_words_and_digits(sentence: str) -> None:
    assert has_quantity(fold(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Le titulaire restitue les données dans un délai raisonnable.",
        "Le prestataire fournit les données dans les meilleurs délais.",
        "Les données sont livrées selon un calendrier à convenir.",
    ],
)
def test_a_delay_without_a_figure_is_not_a_figure(sentence: str) -> None:
    assert not has_quantity(fold(sentence))


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Le prestataire n'a pas l'obligation de remettre les journaux.", "denied"),
        ("Les sauvegardes ne sont pas restituées à l'acheteur.", "denied"),
        ("Aucune pénalité ne sera appliquée en cas de retard de livraison.", "denied"),
        ("Le prestataire n'est pas tenu de notifier les incidents mineurs.", "denied"),
        ("Aucun contrôle ne pourra être exigé par la ville.", "denied"),
        ("Aucune copie des données ne peut être conservée par le titulaire.", "prohibition"),
        ("Le titulaire ne peut confier l'hébergement à un tiers sans accord écrit.", "prohibition"),
        ("Nul accès distant n'est permis depuis un pays tiers.", "prohibition"),
        ("Aucun export n'est réalisé vers un pays tiers.", "prohibition"),
        ("Les serveurs ne sont pas nécessairement situés en France.", "negated"),
        ("Si le prestataire ne livre pas le fichier, une pénalité s'applique.", "neutral"),
        ("Cette modification ne remet pas en cause l'économie du contrat.", "neutral"),
        ("Dans l'hypothèse où le titulaire ne livre pas, l'acheteur le met en demeure.", "neutral"),
        ("Si, au terme du délai, aucun titulaire n'a répondu, l'acheteur relance.", "neutral"),
        ("Il n'est prévu aucune exonération des pénalités de retard.", "prohibition"),
        (
            "Il ne fait appel à aucun sous-traitant sans l'autorisation écrite de la commune.",
            "prohibition",
        ),
    ],
)
def test_the_scope_of_a_negation(sentence: str, kind: str) -> None:
    assert negation_kinds(fold(sentence)) == [kind]


def test_a_negation_in_a_relative_clause_is_limited_to_it() -> None:
    found = negation_kinds(fold("Les mesures qui ne sont pas nominatives sont publiées."))
    assert found == ["relative"]


def test_a_restriction_is_not_a_negation() -> None:
    assert negation_kinds(fold("Les serveurs ne sont installés qu'en France métropolitaine.")) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Article 12 – Réversibilité ........................ 14",
        "Hébergement : désigne la mise à disposition de serveurs par le prestataire.",
        "On entend par données de référence les tables communes aux applications.",
        "Loi n° 78-17 du 6 janvier 1978 relative à l'informatique, aux fichiers et aux libertés",
        "Voir l'article 9 du CCAP.",
        "Les conditions de la réversibilité sont fixées par le CCAP.",
    ],
)
def test_passing_mentions(sentence: str) -> None:
    assert is_passing(fold(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Le titulaire veille à réduire l'énergie consommée par l'application.",
        "Les dispositions relatives aux données pourront être revues chaque année.",
        "La ville accède à tout moment aux fichiers produits.",
    ],
)
def test_a_clause_is_not_a_passing_mention(sentence: str) -> None:
    assert not is_passing(fold(sentence))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("le marché", "le contrat"),
        ("les données sont effacées", "la suppression des données"),
        ("les fichiers sont remis", "la restitution des fichiers"),
        ("hébergées", "hébergement"),
        ("le prestataire", "le titulaire"),
        ("l'incident est signalé", "l'incident est notifié"),
        ("changement de la législation", "évolution réglementaire"),
    ],
)
def test_words_meet_through_lemmas_and_synonyms(first: str, second: str) -> None:
    assert set(stems_of(first)) == set(stems_of(second))


def test_a_phrase_is_found_in_any_order_within_a_sentence() -> None:
    text = IndexedText.build(
        "Les données de la ville sont, à la fin du contrat, restituées. Autre phrase sur les "
        "données."
    )
    assert text.find_loose(stems_of("restitution des données")) == [0]
    assert text.find(stems_of("restitution des données")) == []


@pytest.mark.parametrize(
    ("sentence", "broken"),
    [
        ("Les palettes de livraison restent la propriété du titulaire.", False),
        ("Les comptages et les bases constituées restent la propriété du titulaire.", True),
        ("Le logiciel, connaissance antérieure du titulaire, reste sa propriété.", False),
        ("Les denrées doivent être exemptes de toute trace de moisissure.", False),
        ("Les stipulations du présent article sont sans objet.", True),
        ("Le titulaire est dispensé de remettre le plan.", True),
        ("Les rapports produits pour la métropole sont sa propriété.", False),
        ("Les fichiers transmis par le délégataire restent sa propriété.", True),
        (
            "Le logiciel reste la propriété de l'éditeur, qui en concède l'usage à la ville.",
            False,
        ),
        ("Les fichiers produits restent la propriété de l'éditeur, qui en concède l'usage.", True),
        ("Les consommations individuelles des abonnés ne sont pas publiées.", False),
        ("Le prestataire n'assure aucune sauvegarde des fichiers de la ville.", True),
        ("La responsabilité du titulaire n'est pas engagée pour les documents fournis.", False),
        ("Réversibilité : sans objet.", True),
        ("Il n'en extrait aucune copie hors des serveurs de la ville.", False),
        (
            "La ville ne peut diffuser les relevés qu'avec l'accord exprès et préalable du "
            "délégataire.",
            True,
        ),
        ("Il n'existe aucune restriction à la réutilisation des fichiers par la ville.", False),
        ("Aucune limitation de responsabilité ne s'applique en cas de fuite des fichiers.", False),
        ("Le prestataire peut réutiliser librement ses outils et savoir-faire antérieurs.", False),
        (
            "Le titulaire peut librement choisir les moyens techniques de l'export, dans le "
            "respect des formats exigés à l'article 4.",
            False,
        ),
        ("Les fichiers de la ville peuvent être revendus librement par le prestataire.", True),
        ("Les serveurs peuvent se trouver en tout lieu du territoire national.", False),
        ("Les serveurs peuvent se trouver en tout lieu, y compris hors de France.", True),
        ("Les prestations ne comprennent pas la maintenance des bornes.", False),
        ("La ville n'est pas tenue de commander un volume minimal d'extractions.", False),
        ("Les maquettes jointes par le candidat à son offre restent sa propriété.", False),
        (
            "Le prestataire n'est pas tenu de livrer le code des composants standards de son "
            "progiciel.",
            False,
        ),
        ("Le prestataire n'est pas tenu de livrer le code développé pour la ville.", True),
    ],
)
def test_what_breaks_a_clause_and_what_does_not(sentence: str, broken: bool) -> None:
    from service.analysis.rules import contradiction_kind

    assert (contradiction_kind(sentence) is not None) is broken


def test_an_abbreviation_ends_no_sentence() -> None:
    text = IndexedText.build(
        "Le prestataire applique l'article R. 311-3-1-2 du code, cf. art. 4 du présent "
        "document. Il alerte M. Martin sous 24 h. La ville répond."
    )
    sentences = [text.sentence(i) for i in range(len(text.sentences))]
    assert sentences == [
        "Le prestataire applique l'article R. 311-3-1-2 du code, cf. art. 4 du présent document.",
        "Il alerte M. Martin sous 24 h.",
        "La ville répond.",
    ]


def test_a_label_and_its_colon_stay_with_sans_objet() -> None:
    text = IndexedText.build("Transparence algorithmique : sans objet. Délai : 30 j.")
    assert text.sentence(0) == "Transparence algorithmique : sans objet."
