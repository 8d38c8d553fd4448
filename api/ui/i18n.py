"""The staff pages' words in English and French: one catalogue, and how a request picks its
language (``?lang=`` — remembered in a cookie —, then the cookie, then ``Accept-Language``,
then English).

A message is looked up by key; ``{name}`` placeholders are filled from keyword arguments. A key
missing from the catalogue shows as itself (``tests/api/test_ui.py`` checks that every key the
templates use is here, in both languages).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["LANGS", "MESSAGES", "Lang", "Translator", "pick_language"]

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = get_args(Lang)
LANG_COOKIE = "mm_lang"

#: key → (English, French).
MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "app.name": ("Mobility match", "Mobility match"),
    "nav.dashboard": ("Dashboard", "Tableau de bord"),
    "nav.rounds": ("Rounds", "Tours"),
    "nav.curation": ("Curation", "Curation"),
    "nav.reports": ("Reports", "Rapports"),
    "nav.audit": ("Audit log", "Journal d'audit"),
    "nav.signout": ("Sign out", "Se déconnecter"),
    "nav.skip": ("Skip to content", "Aller au contenu"),
    "lang.switch": ("Français", "English"),
    "common.none": ("—", "—"),
    "common.yes": ("yes", "oui"),
    "common.no": ("no", "non"),
    "common.filter": ("Filter", "Filtrer"),
    "common.all": ("All", "Tous"),
    "common.close": ("Close", "Fermer"),
    "common.next": ("Older", "Plus anciens"),
    "common.first": ("Newest", "Plus récents"),
    "common.csv": ("Download CSV", "Télécharger le CSV"),
    "common.total": ("Total", "Total"),
    "common.count": ("Count", "Nombre"),
    "common.reason": ("Reason", "Motif"),
    "common.reason_code": ("Reason code", "Code du motif"),
    "common.when": ("When", "Quand"),
    "common.who": ("Who", "Qui"),
    "common.search": ("Search", "Rechercher"),
    # errors
    "error.title": ("Something went wrong", "Une erreur est survenue"),
    "error.back": ("Back to the dashboard", "Retour au tableau de bord"),
    "error.not_found": ("Not found.", "Introuvable."),
    "error.forbidden": (
        "These pages are for programme staff.",
        "Ces pages sont réservées au personnel du programme.",
    ),
    "error.invalid": ("Please check the form: {detail}", "Vérifiez le formulaire : {detail}"),
    "error.internal": (
        "An unexpected error occurred (reference {error_id}). Nothing was changed.",
        "Erreur inattendue (référence {error_id}). Rien n'a été modifié.",
    ),
    "error.csrf": (
        "The form was stale or not sent by this site; it was reloaded, please try again.",
        "Le formulaire était périmé ou ne venait pas de ce site ; il a été rechargé, réessayez.",
    ),
    "error.busy": (
        "The database is busy; please retry.",
        "La base de données est occupée ; réessayez.",
    ),
    # sign-in
    "signin.title": ("Sign in", "Connexion"),
    "signin.intro": (
        "Sign in with your programme staff API token (from `mobility-match users create`).",
        "Connectez-vous avec votre jeton d'API du personnel (créé par "
        "`mobility-match users create`).",
    ),
    "signin.token": ("Staff token", "Jeton du personnel"),
    "signin.submit": ("Sign in", "Se connecter"),
    "signin.bad_token": (
        "This token is unknown or revoked.",
        "Ce jeton est inconnu ou révoqué.",
    ),
    "signin.not_staff": (
        "This token is not a programme staff token.",
        "Ce jeton n'est pas un jeton du personnel du programme.",
    ),
    "signin.signed_out": ("You are signed out.", "Vous êtes déconnecté."),
    # dashboard
    "dash.title": ("Programme dashboard", "Tableau de bord du programme"),
    "dash.funnel": ("Placements per pipeline stage", "Placements par étape"),
    "dash.funnel_empty": (
        "No placement yet: placements open when staff publish a round.",
        "Aucun placement : ils s'ouvrent quand le personnel publie un tour.",
    ),
    "dash.funnel_help": (
        "Placements that reached each stage (or a later one).",
        "Placements ayant atteint chaque étape (ou une suivante).",
    ),
    "dash.now": ("At each stage now", "À chaque étape aujourd'hui"),
    "dash.closed": ("Closed, by reason", "Clôturés, par motif"),
    "dash.open_places": ("Open places", "Places ouvertes"),
    "dash.open_by_country": ("Open places by country", "Places ouvertes par pays"),
    "dash.open_empty": ("No open place.", "Aucune place ouverte."),
    "dash.rounds": ("Rounds", "Tours"),
    "dash.rounds_empty": (
        "No round yet: staff start one from the API (POST /api/v1/rounds).",
        "Aucun tour : le personnel en lance un depuis l'API (POST /api/v1/rounds).",
    ),
    "dash.curation_open": (
        "{count} texts wait in the curation queue.",
        "{count} textes attendent dans la file de curation.",
    ),
    "col.country": ("Country", "Pays"),
    "col.occupation": ("Occupation", "Métier"),
    "col.places": ("Places", "Places"),
    "col.taken": ("Taken", "Prises"),
    "col.open": ("Open", "Ouvertes"),
    "col.round": ("Round", "Tour"),
    "col.status": ("Status", "État"),
    "col.created": ("Created", "Créé"),
    "col.candidates": ("Candidates", "Candidats"),
    "col.placed": ("Assigned", "Affectés"),
    "col.published": ("Published", "Publié"),
    "col.employer": ("Employer", "Employeur"),
    "col.opening": ("Opening", "Offre"),
    "col.candidate": ("Candidate", "Candidat"),
    "col.agency": ("Agency", "Agence"),
    "col.score": ("Score", "Score"),
    "col.decision": ("Decision", "Décision"),
    "col.reason": ("Reason", "Motif"),
    "col.details": ("Details", "Détails"),
    # round states
    "status.queued": ("queued", "en attente"),
    "status.running": ("running", "en cours"),
    "status.done": ("done", "terminé"),
    "status.failed": ("failed", "échoué"),
    "status.stopped": ("stopped", "arrêté"),
    # pipeline stages
    "stage.shortlisted": ("shortlisted", "présélectionné"),
    "stage.interview": ("interview", "entretien"),
    "stage.offer": ("offer", "offre"),
    "stage.training": ("training", "formation"),
    "stage.visa": ("visa", "visa"),
    "stage.departed": ("departed", "parti"),
    "stage.placed": ("placed", "en poste"),
    "stage.returned": ("returned", "rentré"),
    "stage.reintegrated": ("reintegrated", "réintégré"),
    "stage.closed": ("closed", "clôturé"),
    # round review
    "round.title": ("Round {id}", "Tour {id}"),
    "round.list_title": ("Rounds", "Tours"),
    "round.open": ("Review", "Examiner"),
    "round.not_done": (
        "This round is {status}: its assignments show once it is done.",
        "Ce tour est {status} : ses affectations s'affichent quand il est terminé.",
    ),
    "round.error": ("The round failed: {error}", "Le tour a échoué : {error}"),
    "round.summary": (
        "{placed} of {candidates} candidates assigned, {filled} of {places} places filled.",
        "{placed} candidats affectés sur {candidates}, {filled} places pourvues sur {places}.",
    ),
    "round.assignments": ("Assignments", "Affectations"),
    "round.assignments_empty": (
        "This round assigned no candidate.",
        "Ce tour n'a affecté aucun candidat.",
    ),
    "round.filter_placeholder": (
        "Employer, occupation, country…",
        "Employeur, métier, pays…",
    ),
    "round.filter_state": ("Decision", "Décision"),
    "round.shown": ("{shown} of {total} shown", "{shown} sur {total} affichées"),
    "round.unassigned": ("Unassigned candidates", "Candidats non affectés"),
    "round.unassigned_empty": (
        "Every candidate was assigned.",
        "Tous les candidats sont affectés.",
    ),
    "round.unassigned_more": ("{count} more not shown.", "{count} autres non affichés."),
    "round.explanation": ("Explanation", "Explication"),
    "round.pick_pair": (
        "Pick an assignment to read its explanation.",
        "Choisissez une affectation pour lire son explication.",
    ),
    "round.published_at": (
        "Published on {when}: {pairs} pairs.",
        "Publié le {when} : {pairs} paires.",
    ),
    "round.review_pending": (
        "Decisions and publication become available with the review workflow.",
        "Les décisions et la publication arrivent avec le circuit de revue.",
    ),
    "decision.undecided": ("undecided", "sans décision"),
    "decision.accept": ("accepted", "acceptée"),
    "decision.reject": ("rejected", "rejetée"),
    "decision.override": ("overridden", "remplacée"),
    "decision.lock": ("locked", "verrouillée"),
    "decision.overridden_in": ("put in by override", "placée par remplacement"),
    "action.accept": ("Accept", "Accepter"),
    "action.reject": ("Reject", "Rejeter"),
    "action.override": ("Override", "Remplacer"),
    "action.lock": ("Lock", "Verrouiller"),
    "action.new_candidate": (
        "Candidate to put on the place (id)",
        "Candidat à placer (identifiant)",
    ),
    "action.reason_help": (
        "Every decision needs a reason.",
        "Chaque décision doit être motivée.",
    ),
    "action.done": ("Decision recorded: {action}.", "Décision enregistrée : {action}."),
    "reason.good_match": ("good match", "bonne adéquation"),
    "reason.skills_gap": ("skills gap", "compétences manquantes"),
    "reason.language_gap": ("language gap", "niveau de langue insuffisant"),
    "reason.candidate_unavailable": ("candidate unavailable", "candidat indisponible"),
    "reason.candidate_preference": ("candidate's preference", "préférence du candidat"),
    "reason.employer_requirement": ("employer requirement", "exigence de l'employeur"),
    "reason.better_candidate": ("better candidate", "meilleur candidat"),
    "reason.fairness": ("fairness", "équité"),
    "reason.data_error": ("data error", "erreur de données"),
    "reason.other": ("other", "autre"),
    "publish.title": ("Publish to employers", "Publier aux employeurs"),
    "publish.help": (
        "Publishes accepted, locked and override pairs; every pair needs a decision first. "
        "When an impact ratio is below the threshold, a sign-off reason is required.",
        "Publie les paires acceptées, verrouillées et de remplacement ; chaque paire doit "
        "avoir une décision. Si un ratio d'impact est sous le seuil, une validation motivée "
        "est requise.",
    ),
    "publish.undecided": (
        "{count} pairs still need a decision.",
        "{count} paires attendent encore une décision.",
    ),
    "publish.sign_off": ("Sign-off reason (fairness gate)", "Motif de validation (équité)"),
    "publish.submit": ("Publish", "Publier"),
    "publish.done": (
        "Published: {published} pairs ({rejected} rejected not published).",
        "Publié : {published} paires ({rejected} rejetées non publiées).",
    ),
    # explanation
    "expl.score": ("Score {score}", "Score {score}"),
    "expl.breakdown": ("Score breakdown", "Décomposition du score"),
    "expl.matched": ("Matched essential skills", "Compétences essentielles acquises"),
    "expl.matched_optional": ("Matched optional skills", "Compétences optionnelles acquises"),
    "expl.missing": ("Missing essential skills", "Compétences essentielles manquantes"),
    "expl.partial": ("Partial credits", "Crédits partiels"),
    "expl.partial_item": (
        "{label} ({requirement}): {credit} via {held} ({relation})",
        "{label} ({requirement}) : {credit} grâce à {held} ({relation})",
    ),
    "expl.rules": ("Eligibility rules", "Règles d'éligibilité"),
    "expl.via_occupation": ("via a past occupation", "par un ancien métier"),
    "expl.none": ("none", "aucune"),
    "expl.overridden_in": (
        "Put on the place by an override: decide on the pair it replaced.",
        "Placé par un remplacement : la décision porte sur la paire remplacée.",
    ),
    "expl.history": ("Decisions on this pair", "Décisions sur cette paire"),
    "expl.not_found": (
        "This pair is not an assignment of the round.",
        "Cette paire n'est pas une affectation du tour.",
    ),
    "rule.passed": ("passed", "respectée"),
    "rule.failed": ("failed", "non respectée"),
    "term.essential_skills": ("essential skills", "compétences essentielles"),
    "term.optional_skills": ("optional skills", "compétences optionnelles"),
    "term.language": ("language", "langue"),
    "term.eqf": ("EQF level", "niveau CEC"),
    "term.experience": ("experience", "expérience"),
    "term.destination": ("destination", "destination"),
    # curation
    "cur.title": ("Curation queue", "File de curation"),
    "cur.intro": (
        "Texts the normaliser could not resolve. A confirmed concept becomes a programme "
        "synonym: it re-resolves the profiles holding the text and every later import.",
        "Textes que le normaliseur n'a pas résolus. Un concept confirmé devient un synonyme "
        "du programme : il résout les profils qui contiennent ce texte et tous les imports "
        "suivants.",
    ),
    "cur.tab_open": ("Open", "Ouverts"),
    "cur.tab_confirmed": ("Confirmed", "Confirmés"),
    "cur.tab_dismissed": ("Dismissed", "Écartés"),
    "cur.empty_open": ("Nothing to curate: every text is resolved.", "Rien à traiter."),
    "cur.empty": ("No item here.", "Aucun élément."),
    "cur.text": ("Text", "Texte"),
    "cur.kind": ("Kind", "Type"),
    "cur.kind_skill": ("skill", "compétence"),
    "cur.kind_occupation": ("occupation", "métier"),
    "cur.guesses": ("Best guesses", "Meilleures propositions"),
    "cur.no_guess": ("No guess.", "Aucune proposition."),
    "cur.applies": (
        "Applies to {candidates} candidates and {openings} openings now, and every later import.",
        "S'applique à {candidates} candidats et {openings} offres maintenant, et à tous les "
        "imports suivants.",
    ),
    "cur.applied": (
        "Resolves {rows} profile rows ({candidates} candidates, {openings} openings).",
        "Résout {rows} lignes de profil ({candidates} candidats, {openings} offres).",
    ),
    "cur.confirm": ("Confirm", "Confirmer"),
    "cur.dismiss": ("Dismiss", "Écarter"),
    "cur.other": ("Another concept…", "Un autre concept…"),
    "cur.search_results": ("Search results", "Résultats"),
    "cur.confirmed": (
        "Confirmed “{text}” → {label}: {rows} profile rows re-resolved.",
        "« {text} » → {label} confirmé : {rows} lignes de profil résolues.",
    ),
    "cur.dismissed": ("Dismissed “{text}”.", "« {text} » écarté."),
    "cur.concept": ("Concept", "Concept"),
    # reports
    "rep.title": ("Reports", "Rapports"),
    "rep.scope": ("Report of", "Rapport de"),
    "rep.programme": ("the whole programme", "tout le programme"),
    "rep.round": ("round {id}", "le tour {id}"),
    "rep.empty": (
        "No finished round yet: reports appear once a round is done.",
        "Aucun tour terminé : les rapports apparaissent quand un tour est fini.",
    ),
    "rep.scores": ("Score distribution", "Distribution des scores"),
    "rep.mean": (
        "{pairs} pairs, mean score {mean}, essential-skill coverage {coverage}.",
        "{pairs} paires, score moyen {mean}, couverture des compétences essentielles {coverage}.",
    ),
    "rep.fill": (
        "Fill rate: {filled} of {total} places ({rate}).",
        "Taux de remplissage : {filled} places sur {total} ({rate}).",
    ),
    "rep.groups": (
        "Selection rates per group, with impact ratios",
        "Taux de sélection par groupe, avec ratios d'impact",
    ),
    "rep.basis.assigned": ("assigned by the round", "affectés par le tour"),
    "rep.basis.published": ("published to employers", "publiés aux employeurs"),
    "rep.basis.placed": ("placed", "en poste"),
    "rep.dim.gender": ("gender", "genre"),
    "rep.dim.origin": ("origin", "origine"),
    "rep.dim.agency": ("agency", "agence"),
    "rep.suppressed": ("fewer than 10: not shown", "moins de 10 : masqué"),
    "rep.lowest": (
        "Lowest impact ratio: {ratio} ({group}); threshold {threshold}.",
        "Ratio d'impact le plus bas : {ratio} ({group}) ; seuil {threshold}.",
    ),
    "rep.below": ("below the threshold", "sous le seuil"),
    "rep.needs": (
        "Most common missing essential skills (training needs)",
        "Compétences essentielles le plus souvent manquantes (besoins de formation)",
    ),
    "rep.needs_empty": ("No missing essential skill.", "Aucune compétence manquante."),
    "rep.price": ("Price of fairness", "Prix de l'équité"),
    "rep.price_value": (
        "Score given up to meet the quotas: {value}.",
        "Score cédé pour respecter les quotas : {value}.",
    ),
    "rep.price_none": (
        "Not computed (the round had no quota).",
        "Non calculé (le tour n'avait pas de quota).",
    ),
    "rep.blocking": ("Blocking pairs: {value}.", "Paires bloquantes : {value}."),
    "rep.overrides": ("Override rate per reviewer", "Taux de remplacement par relecteur"),
    "rep.overrides_empty": ("No decision recorded yet.", "Aucune décision enregistrée."),
    "rep.reviewer": ("reviewer #{id}", "relecteur n°{id}"),
    "rep.empty_chart": ("No data.", "Aucune donnée."),
    # audit
    "audit.title": ("Audit log", "Journal d'audit"),
    "audit.intro": (
        "Every round, decision, publication, stage change and identity reveal, hash-chained.",
        "Chaque tour, décision, publication, changement d'étape et levée d'anonymat, chaînés "
        "par empreinte.",
    ),
    "audit.empty": ("No audit record.", "Aucun enregistrement."),
    "audit.action": ("Action", "Action"),
    "audit.subject": ("Subject", "Objet"),
    "audit.actor": ("User", "Utilisateur"),
    "audit.payload": ("Details", "Détails"),
    "audit.filter_action": ("Action starts with", "Action commençant par"),
}


class Translator:
    """``t("key", name=value)`` in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._column = LANGS.index(lang)

    def __call__(self, key: str, /, **params: object) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        text = entry[self._column]
        return text.format(**params) if params else text


def _accepted(header: str) -> list[str]:
    """Languages of an ``Accept-Language`` header, best first (weights honoured)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        weighted.append((-weight, position, tag.strip().lower()[:2]))
    return [tag for _w, _p, tag in sorted(weighted)]


def pick_language(*, query: str | None, cookie: str | None, accept: str | None) -> Lang:
    """The language of a page: ``?lang=``, the cookie, ``Accept-Language``, else English."""
    for choice in (query, cookie):
        if choice in LANGS:
            return choice
    for tag in _accepted(accept or ""):
        if tag in LANGS:
            return tag
    return "en"
