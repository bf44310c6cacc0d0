"""The data dictionary of an organisation's export, in French: what each table and each field
holds, and what is deliberately left out. It becomes the ``title``/``description`` of each
resource and field of ``datapackage.json``; a test holds it against the models, so that a new
column is either described here or withheld with a reason — never dropped silently."""

from __future__ import annotations

#: Each exported table: (title, description).
TABLES: dict[str, tuple[str, str]] = {
    "organisation": (
        "Organisation",
        "L'organisation exportée (commune, intercommunalité, syndicat) : une seule ligne.",
    ),
    "stored_file": (
        "Fichiers conservés",
        "Les fichiers de l'organisation (livraisons, documents analysés, pièces et manifestes de"
        " consultation, modèles d'annexe, preuves de la liste de réversibilité, résultats de"
        " travaux), chacun identifié par son empreinte SHA-256 ; son contenu est le fichier"
        " files/<sha256> du dossier d'export.",
    ),
    "user_account": (
        "Comptes",
        "Les comptes des membres de l'organisation et des personnes que citent ses jetons, ses"
        " invitations et son journal d'audit : données publiques seulement. Les mots de passe"
        " (empreintes argon2) ne sont pas exportés : à l'import, les comptes reviennent sans mot"
        " de passe et doivent être invités de nouveau ou recevoir un nouveau mot de passe"
        " (« clausier users password »), ou se connecter par OpenID Connect.",
    ),
    "membership": (
        "Rôles",
        "Les rôles que les comptes détiennent dans l'organisation (plusieurs rôles : plusieurs"
        " lignes).",
    ),
    "contract": ("Contrats", "Les contrats de l'organisation (concession, DSP, marché)."),
    "membership_contract": (
        "Contrats d'un concessionnaire",
        "Les contrats auxquels le rôle « concessionnaire » d'un compte est limité.",
    ),
    "clause_version_reference": (
        "Versions de clauses citées (référence)",
        "Les versions de la bibliothèque de référence, partagée entre les organisations, que les"
        " contrats citent. Elles ne sont pas exportées : elles sont citées par leur clause, leur"
        " numéro et l'empreinte de leur contenu ; l'import les retrouve dans la bibliothèque de"
        " l'instance d'arrivée (« clausier library import clauses ») et refuse si l'une manque"
        " ou diffère.",
    ),
    "contract_clause": (
        "Clauses des contrats",
        "Les versions de clauses de la bibliothèque qu'un contrat contient.",
    ),
    "obligation": (
        "Obligations de livraison",
        "Les jeux de données qu'un contrat doit livrer : format, schéma, fréquence, délai.",
    ),
    "amendment": (
        "Avenants",
        "Les avenants des contrats, numérotés à partir de 1 par contrat ; jamais modifiés.",
    ),
    "obligation_terms": (
        "Conditions des obligations",
        "Les conditions (format, schéma, fréquence, délai) sous lesquelles une obligation est due"
        " à partir d'un jour : les premières sont celles de l'obligation, chaque avenant qui les"
        " change en ajoute.",
    ),
    "amendment_change": (
        "Changements des avenants",
        "Chaque changement qu'apporte un avenant, avec les conditions avant et après.",
    ),
    "period": (
        "Périodes attendues",
        "Chaque période pour laquelle une obligation attend une livraison, avec sa date"
        " d'échéance et les jours de la première livraison reçue et de la première valide.",
    ),
    "delivery": (
        "Livraisons",
        "Les fichiers livrés pour une période, avec leur rapport de validation ; une correction"
        " est une nouvelle livraison qui remplace la précédente (les deux sont gardées).",
    ),
    "checklist_event": (
        "Liste de réversibilité",
        "Chaque élément coché (ou décoché) de la liste de réversibilité d'un contrat, avec sa note"
        " et son fichier de preuve.",
    ),
    "analysis": (
        "Analyses de CCTP",
        "Les analyses de documents de l'organisation : le fichier analysé (pour une consultation,"
        " son manifeste JSON qui nomme chaque pièce par son empreinte), l'état de la bibliothèque"
        " utilisé et le rapport.",
    ),
    "org_template": (
        "Modèles d'annexe",
        "Les modèles DOCX d'annexe déposés par l'organisation.",
    ),
    "job": (
        "Travaux en arrière-plan",
        "Les travaux demandés par l'organisation (rapports PDF…), leur état et leur résultat.",
    ),
    "invitation": (
        "Invitations",
        "Les invitations à prendre un rôle dans l'organisation. Leur secret n'est pas exporté :"
        " à l'import, une invitation en attente ne peut plus être acceptée et doit être renvoyée.",
    ),
    "api_token": (
        "Jetons d'API",
        "Les jetons d'API de l'organisation (nom, rôle, dates). Leur secret n'est pas exporté :"
        " à l'import, un jeton ne peut plus servir et doit être recréé.",
    ),
    "audit_entry": (
        "Journal d'audit",
        "Qui a fait quoi, quand, dans l'organisation (ce que montre la page du journal à son"
        " administrateur) ; restitué en entier à l'import, qui ajoute une entrée de plus pour"
        " l'import lui-même. Les entrées rattachées à aucune organisation (connexions, comptes"
        " créés ou désactivés en ligne de commande) restent au journal de l'instance.",
    ),
}

_ID = "Identifiant (conservé à l'import)."
_CREATED = "Date et heure de création (ISO 8601, UTC)."
_ORG = "Organisation (organisation.id)."
_CONTRACT = "Contrat (contract.id)."
_FILE = "Empreinte SHA-256 du fichier (stored_file.sha256, fichier files/<sha256>)."
_ROLE = (
    "Rôle : acheteur, dsi, dpo, library_editor, library_approver, contract_manager, admin ou"
    " concessionnaire."
)
_FORMAT = "Format attendu (csv, geojson, xlsx, json…)."
_SCHEMA = "Table Schema (Frictionless) que la table livrée doit suivre, en JSON ; vide : aucun."
_FREQUENCY = "Fréquence : monthly, quarterly, half_yearly, yearly, once ou end_of_contract."

#: Each exported field: table → field → description.
FIELDS: dict[str, dict[str, str]] = {
    "organisation": {
        "id": _ID,
        "slug": "Identifiant court de l'organisation (minuscules, chiffres, tirets).",
        "name": "Nom de l'organisation.",
        "siren": "SIREN (9 chiffres) de l'unité légale.",
        "siret": "SIRET (14 chiffres) de l'établissement.",
        "created_at": _CREATED,
    },
    "stored_file": {
        "sha256": "Empreinte SHA-256 du contenu : le fichier est files/<sha256>.",
        "size": "Taille en octets.",
        "media_type": "Type de média (MIME).",
        "created_at": "Date et heure de la première conservation du fichier.",
    },
    "user_account": {
        "id": _ID,
        "email": "Adresse électronique (en minuscules), unique.",
        "display_name": "Nom affiché.",
        "disabled": "Compte désactivé (true) ou actif (false).",
        "last_signin_at": "Dernière connexion réussie.",
        "created_at": _CREATED,
        "oidc_issuer": "Fournisseur d'identité OpenID Connect auquel le compte est lié (vide :"
        " aucun).",
        "oidc_subject": "Identifiant du compte chez ce fournisseur (« sub »).",
    },
    "membership": {
        "id": _ID,
        "user_id": "Compte (user_account.id).",
        "organisation_id": _ORG,
        "role": _ROLE,
        "created_at": "Date et heure de l'attribution du rôle.",
    },
    "contract": {
        "id": _ID,
        "organisation_id": _ORG,
        "reference": "Référence du contrat, unique dans l'organisation.",
        "title": "Intitulé.",
        "kind": "Type : concession, dsp (délégation de service public) ou marche.",
        "titulaire_name": "Nom du titulaire.",
        "titulaire_siren": "SIREN du titulaire.",
        "start_on": "Premier jour du contrat.",
        "end_on": "Dernier jour du contrat.",
        "created_at": _CREATED,
    },
    "membership_contract": {
        "membership_id": "Rôle « concessionnaire » (membership.id).",
        "contract_id": _CONTRACT,
    },
    "clause_version_reference": {
        "id": "Identifiant de la version dans l'instance exportée.",
        "clause_id": "Identifiant de la clause dans la bibliothèque de référence.",
        "number": "Numéro de la version de la clause.",
        "title": "Titre de la version.",
        "content_hash": "Empreinte du contenu de la version : il doit être le même à l'import.",
    },
    "contract_clause": {
        "contract_id": _CONTRACT,
        "clause_version_id": "Version de clause citée (clause_version_reference.id).",
    },
    "obligation": {
        "id": _ID,
        "contract_id": _CONTRACT,
        "dataset": "Identifiant du jeu de données, unique dans le contrat.",
        "title": "Intitulé du jeu de données.",
        "description": "Description.",
        "format": _FORMAT,
        "table_schema": _SCHEMA,
        "frequency": _FREQUENCY,
        "delay_days": "Délai de livraison en jours après la fin de chaque période.",
        "due_on": "Échéance d'un jeu livré une fois (fréquence « once »).",
        "deliverer": "Qui livre : titulaire ou acheteur.",
        "ended_on": "Jour à partir duquel l'obligation n'est plus due (fin par avenant).",
        "created_at": _CREATED,
    },
    "amendment": {
        "id": _ID,
        "contract_id": _CONTRACT,
        "number": "Numéro de l'avenant dans le contrat (à partir de 1).",
        "title": "Intitulé.",
        "signed_on": "Date de signature.",
        "effective_on": "Date d'effet.",
        "reason": "Motif.",
        "author": "Qui l'a enregistré.",
        "created_at": _CREATED,
    },
    "obligation_terms": {
        "id": _ID,
        "obligation_id": "Obligation (obligation.id).",
        "amendment_id": "Avenant qui a fixé ces conditions (amendment.id) ; vide : les"
        " conditions d'origine.",
        "effective_on": "Jour à partir duquel ces conditions s'appliquent.",
        "format": _FORMAT,
        "table_schema": _SCHEMA,
        "frequency": _FREQUENCY,
        "delay_days": "Délai de livraison en jours après la fin de chaque période.",
        "due_on": "Échéance d'un jeu livré une fois.",
        "created_at": _CREATED,
    },
    "amendment_change": {
        "id": _ID,
        "amendment_id": "Avenant (amendment.id).",
        "kind": "Nature : obligation_terms, obligation_end, obligation_added ou contract_end.",
        "obligation_id": "Obligation concernée (obligation.id), s'il y en a une.",
        "before": "Conditions avant le changement (JSON).",
        "after": "Conditions après le changement (JSON).",
        "summary": "Résumé en français.",
    },
    "period": {
        "id": _ID,
        "obligation_id": "Obligation (obligation.id).",
        "contract_id": _CONTRACT,
        "start_on": "Premier jour de la période.",
        "end_on": "Dernier jour de la période.",
        "due_on": "Date d'échéance de la livraison.",
        "first_received_on": "Jour (Europe/Paris) de la première livraison reçue.",
        "first_valid_on": "Jour (Europe/Paris) de la première livraison valide.",
        "terms_id": "Conditions qui ont découpé la période (obligation_terms.id).",
    },
    "delivery": {
        "id": _ID,
        "period_id": "Période (period.id).",
        "file_sha256": _FILE,
        "filename": "Nom du fichier livré.",
        "size": "Taille en octets.",
        "received_at": "Date et heure de réception.",
        "sender": "Qui l'a envoyée.",
        "sender_role": "En tant que : titulaire ou acheteur.",
        "valid": "Livraison valide (true) ou non (false).",
        "report": "Rapport de validation (JSON).",
        "supersedes_id": "Livraison qu'elle remplace (delivery.id).",
        "note": "Note jointe.",
    },
    "checklist_event": {
        "id": _ID,
        "contract_id": _CONTRACT,
        "item": "Élément de la liste (clé d'un élément requis de la famille réversibilité).",
        "state": "done (fait) ou pending (à faire).",
        "note": "Note.",
        "file_sha256": "Fichier de preuve : " + _FILE,
        "filename": "Nom du fichier de preuve.",
        "author": "Qui a coché.",
        "created_at": _CREATED,
    },
    "analysis": {
        "id": _ID,
        "file_sha256": _FILE,
        "filename": "Nom du document analysé.",
        "format": "Format : docx, odt, pdf, txt, md, ou dce (consultation de plusieurs pièces).",
        "contract_type": "Type de contrat reconnu.",
        "created_at": _CREATED,
        "library_state": "Versions et éléments requis de la bibliothèque utilisés (JSON).",
        "report": "Rapport d'analyse (JSON, schéma stable).",
        "previous_id": "Analyse que celle-ci a refaite (analysis.id).",
        "organisation_id": _ORG,
        "present": "Nombre de familles présentes.",
        "weak": "Nombre de familles faibles.",
        "missing": "Nombre de familles absentes.",
        "contradicted": "Nombre de familles contredites.",
    },
    "org_template": {
        "id": _ID,
        "organisation_id": _ORG,
        "name": "Nom du modèle.",
        "file_sha256": _FILE,
        "filename": "Nom du fichier déposé.",
        "variables": "Variables du modèle (JSON).",
        "uploaded_by": "Qui l'a déposé.",
        "uploaded_at": "Date et heure du dépôt.",
    },
    "job": {
        "id": "Identifiant (UUID, conservé à l'import).",
        "kind": "Nature du travail.",
        "key": "Empreinte de la nature et des paramètres (le même travail demandé deux fois).",
        "params": "Paramètres (JSON).",
        "organisation_id": _ORG,
        "state": "État : queued, running, done ou failed.",
        "progress": "Avancement en pourcentage.",
        "message": "Dernier message d'avancement.",
        "result_sha256": "Résultat : " + _FILE,
        "result_name": "Nom du fichier résultat.",
        "error": "Erreur, en cas d'échec.",
        "created_at": _CREATED,
        "started_at": "Début.",
        "finished_at": "Fin.",
    },
    "invitation": {
        "id": _ID,
        "email": "Adresse invitée.",
        "organisation_id": _ORG,
        "role": _ROLE,
        "contract_ids": "Contrats d'un concessionnaire invité (liste JSON de contract.id).",
        "invited_by": "Qui a invité.",
        "created_at": _CREATED,
        "expires_at": "Expiration.",
        "accepted_at": "Acceptation.",
        "accepted_by_id": "Compte qui l'a acceptée (user_account.id).",
    },
    "api_token": {
        "id": _ID,
        "name": "Nom du jeton (à quoi il sert).",
        "prefix": "Premiers caractères du secret, pour le reconnaître (insuffisants pour"
        " l'utiliser).",
        "user_id": "Compte du jeton (user_account.id).",
        "organisation_id": _ORG,
        "role": _ROLE,
        "created_by": "Qui l'a créé.",
        "created_at": _CREATED,
        "expires_at": "Expiration.",
        "revoked_at": "Révocation.",
        "revoked_by": "Qui l'a révoqué.",
        "last_used_at": "Dernière utilisation.",
    },
    "audit_entry": {
        "id": _ID,
        "at": "Date et heure de l'action.",
        "actor": "Qui a agi, tel qu'écrit : une adresse, « … (jeton N) », « ligne de commande"
        " (…) ».",
        "user_id": "Compte qui a agi ou qui est concerné (user_account.id).",
        "organisation_id": _ORG,
        "action": "Action (user_created, signin_failed, token_created…).",
        "object": "Objet de l'action, « nature:identifiant » (« user:3 »…).",
        "detail": "Détails (JSON).",
    },
}

#: Columns that do not leave, and why (table → column → reason).
WITHHELD: dict[str, dict[str, str]] = {
    "stored_file": {"content": "Le contenu est le fichier files/<sha256>, pas une colonne."},
    "user_account": {
        "password_hash": "Empreinte du mot de passe : jamais exportée ; le compte revient sans"
        " mot de passe.",
        "failed_signins": "État de la protection contre les essais répétés : remis à zéro.",
        "last_failed_signin_at": "État de la protection contre les essais répétés : remis à zéro.",
        "locked_until": "État de la protection contre les essais répétés : remis à zéro.",
        "session_epoch": "État des sessions ouvertes, propre à cette instance : remis à zéro.",
    },
    "invitation": {
        "secret_sha256": "Empreinte du secret de l'invitation : jamais exportée ; l'invitation"
        " revient inutilisable.",
    },
    "api_token": {
        "secret_sha256": "Empreinte du secret du jeton : jamais exportée ; le jeton revient"
        " inutilisable.",
    },
}
