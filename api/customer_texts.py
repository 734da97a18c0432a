"""What the customer's page says, in each of the customer's languages.

Every language has the same keys with the same ``{placeholders}`` (``tests/api/test_customer_page.py``
checks it). The labels of codes the messages also use (categories, outcomes, teams) are not here: the page
takes them from the messages' own ``_common.txt`` (``activities.templating.labels``), so both say the same.
No text here repeats anything a customer typed: an error names the field and what is wrong with it. In
Arabic, a phone number sits between left-to-right isolates (U+2066 ... U+2069), or its groups of digits
would read in reverse order.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workflows.models import Language

_FR = {
    "language_name": "Français",
    "languages": "Langue",
    "page_title": "Litige {ref} — Jamla24",
    "heading": "Votre litige",
    "reference": "Référence",
    "status": "État",
    "status_open": "En cours de traitement",
    "status_awaiting_customer": "En attente de votre réponse",
    "status_resolved": "Résolu",
    "status_withdrawn": "Retiré",
    "handled_by": "Suivi par",
    "category": "Objet",
    "order": "Commande",
    "opened": "Ouvert le",
    "next_title": "La suite",
    "next_seller_failure": "Nous avons contacté le vendeur : il a jusqu'au {date} pour répondre.",
    "next_resolution_team": (
        "Si le litige n'est pas réglé d'ici le {date}, notre équipe de résolution ouvre une enquête."
    ),
    "next_findings": "Vous recevrez les conclusions de notre équipe de résolution au plus tard le {date}.",
    "next_customer_experience": (
        "Si le litige n'est pas réglé d'ici le {date}, il est confié à notre équipe expérience client."
    ),
    "next_resolution": "Nous nous engageons à régler votre litige au plus tard le {date}.",
    "next_awaiting": "Notre équipe de résolution attend vos réponses à ses questions pour poursuivre.",
    "next_paused": "Nos délais sont suspendus jusqu'à votre réponse.",
    "next_ongoing": "Nous traitons votre litige et vous informerons de chaque étape.",
    "breached": (
        "Le délai de 5 jours pour régler votre litige est dépassé : il est suivi en priorité par nos "
        "responsables."
    ),
    "questions_title": "Nos questions",
    "answer_label": "Votre réponse",
    "answer_button": "Envoyer ma réponse",
    "findings_title": "Conclusions de notre équipe de résolution",
    "resolution_title": "Décision",
    "resolution_outcome": "Solution retenue : {outcome}.",
    "resolution_rejected": (
        "Après examen, nous ne pouvons malheureusement pas donner une suite favorable à votre demande."
    ),
    "closed_resolved": "Litige résolu le {date}.",
    "closed_withdrawn": "Vous avez retiré votre réclamation le {date} ; le litige est clos.",
    "contact_title": "Coordonnées du vendeur",
    "contact_available": (
        "Nos efforts pour obtenir une réponse du vendeur n'ont pas abouti : vous pouvez obtenir ses "
        "coordonnées pour le contacter directement."
    ),
    "contact_button": "Obtenir les coordonnées du vendeur",
    "contact_later": (
        "Si le vendeur ne répond pas d'ici le {date}, vous pourrez obtenir ici ses coordonnées pour le "
        "contacter directement."
    ),
    "contact_released": "Les coordonnées du vendeur vous ont été envoyées.",
    "withdraw_title": "Retirer ma réclamation",
    "withdraw_text": (
        "Le problème est réglé, ou vous ne souhaitez plus donner suite ? Dites-nous pourquoi : le litige "
        "sera clos."
    ),
    "reason_label": "Pourquoi ?",
    "withdraw_button": "Retirer ma réclamation",
    "done_answered": "Merci : votre réponse a été transmise à notre équipe de résolution.",
    "done_contact": "C'est noté : les coordonnées du vendeur vous sont envoyées.",
    "done_withdrawn": "Votre réclamation est retirée ; le litige est clos.",
    "refused_closed": "Ce litige est clos : il ne peut plus changer.",
    "refused_not_asked": "Notre équipe de résolution ne vous a posé aucune question pour le moment.",
    "refused_contact_released": "Les coordonnées du vendeur vous ont déjà été envoyées.",
    "refused_contact_not_yet": (
        "Les coordonnées du vendeur ne peuvent vous être communiquées qu'une fois nos propres efforts "
        "épuisés, au plus tôt le {date}."
    ),
    "refused_other": "Cette demande n'est pas possible pour le moment.",
    "error_required": "{field} : ce champ est obligatoire.",
    "error_too_long": "{field} : {max} caractères au plus.",
    "error_character": (
        "{field} : le texte contient un caractère qui ne peut pas être accepté (un caractère de contrôle). "
        "Retirez-le, puis envoyez à nouveau."
    ),
    "error_invalid": "{field} : cette valeur n'est pas acceptée.",
    "form_refused": (
        "Ce formulaire ne vient pas de votre page, ou n'est plus valable : rien n'a été fait. Rechargez "
        "la page et réessayez."
    ),
    "busy": (
        "Votre demande n'a pas pu être traitée tout de suite : elle le sera peut-être dans un instant. "
        "Rechargez la page pour voir où en est votre litige avant de réessayer."
    ),
    "too_large": "Ce texte est trop long pour être envoyé.",
    "back": "Revenir à mon litige",
    "request_title": "Votre demande",
    "bad_address": (
        "Cette adresse contient un caractère qui ne peut pas être lu : vérifiez le lien et réessayez."
    ),
    "unavailable_title": "Service momentanément indisponible",
    "unavailable_text": (
        "Nous ne pouvons pas afficher votre litige pour le moment. Réessayez dans quelques instants."
    ),
    "not_found_title": "Page introuvable",
    "not_found_text": (
        "Ce lien n'est pas valable, ou ne l'est plus. Pour suivre votre litige, contactez notre service "
        "client en rappelant sa référence."
    ),
    "stale": "Informations du {date} : elles ont pu changer depuis.",
    "footer_times": "Dates et heures à l'heure du Maroc (Casablanca).",
    "footer_private": "Cette page vous est réservée : ne partagez pas son lien.",
    "service": (
        "Service client : 05 39 42 01 42, du lundi au vendredi de 9 h à 21 h, samedi et dimanche de 9 h à "
        "18 h."
    ),
}

_AR = {
    "language_name": "العربية",
    "languages": "اللغة",
    "page_title": "النزاع {ref} — Jamla24",
    "heading": "نزاعك",
    "reference": "المرجع",
    "status": "الحالة",
    "status_open": "قيد المعالجة",
    "status_awaiting_customer": "في انتظار ردك",
    "status_resolved": "تم حله",
    "status_withdrawn": "تم سحبه",
    "handled_by": "يتابعه",
    "category": "الموضوع",
    "order": "الطلب",
    "opened": "تاريخ الفتح",
    "next_title": "الخطوات التالية",
    "next_seller_failure": "تواصلنا مع البائع، وأمامه حتى {date} للرد.",
    "next_resolution_team": "إذا لم يُسوَّ النزاع بحلول {date}، يفتح فريق حل النزاعات تحقيقاً فيه.",
    "next_findings": "ستتوصل بنتائج تحقيق فريق حل النزاعات في أجل أقصاه {date}.",
    "next_customer_experience": "إذا لم يُسوَّ النزاع بحلول {date}، يُحال إلى فريق تجربة العملاء.",
    "next_resolution": "نلتزم بحل نزاعك في أجل أقصاه {date}.",
    "next_awaiting": "ينتظر فريق حل النزاعات ردك على أسئلته لمواصلة التحقيق.",
    "next_paused": "آجالنا متوقفة إلى حين توصلنا بردك.",
    "next_ongoing": "نعالج نزاعك وسنُطلعك على كل مرحلة.",
    "breached": "تجاوز نزاعك أجل الأيام الخمسة المحدد لحله: يتابعه مسؤولونا بالأولوية.",
    "questions_title": "أسئلتنا",
    "answer_label": "ردك",
    "answer_button": "إرسال ردي",
    "findings_title": "نتائج تحقيق فريق حل النزاعات",
    "resolution_title": "القرار",
    "resolution_outcome": "الحل المعتمد: {outcome}.",
    "resolution_rejected": "بعد دراسة طلبك بعناية، نأسف لعدم تمكننا من الاستجابة له.",
    "closed_resolved": "تم حل النزاع بتاريخ {date}.",
    "closed_withdrawn": "سحبت شكواك بتاريخ {date}، وأُغلق النزاع.",
    "contact_title": "معلومات الاتصال بالبائع",
    "contact_available": (
        "لم تنجح جهودنا في الحصول على رد من البائع: يمكنك الحصول على معلومات الاتصال به للتواصل معه مباشرة."
    ),
    "contact_button": "الحصول على معلومات الاتصال بالبائع",
    "contact_later": (
        "إذا لم يرد البائع بحلول {date}، يمكنك الحصول هنا على معلومات الاتصال به للتواصل معه مباشرة."
    ),
    "contact_released": "أرسلنا إليك معلومات الاتصال بالبائع.",
    "withdraw_title": "سحب شكواي",
    "withdraw_text": "هل حُلّت المشكلة، أو لم تعد ترغب في متابعة الشكوى؟ أخبرنا بالسبب، وسيُغلق النزاع.",
    "reason_label": "السبب",
    "withdraw_button": "سحب شكواي",
    "done_answered": "شكراً لك: أرسلنا ردك إلى فريق حل النزاعات.",
    "done_contact": "تم تسجيل طلبك: نرسل إليك معلومات الاتصال بالبائع.",
    "done_withdrawn": "تم سحب شكواك، وأُغلق النزاع.",
    "refused_closed": "هذا النزاع مغلق: لم يعد من الممكن تغييره.",
    "refused_not_asked": "لم يطرح عليك فريق حل النزاعات أي سؤال حتى الآن.",
    "refused_contact_released": "سبق أن أرسلنا إليك معلومات الاتصال بالبائع.",
    "refused_contact_not_yet": (
        "لا يمكن إطلاعك على معلومات الاتصال بالبائع إلا بعد أن تفشل جهودنا للتواصل معه، أي ابتداءً من {date}."
    ),
    "refused_other": "هذا الطلب غير ممكن في الوقت الحالي.",
    "error_required": "{field}: هذه الخانة إلزامية.",
    "error_too_long": "{field}: {max} حرف على الأكثر.",
    "error_character": "{field}: يحتوي النص على حرف لا يمكن قبوله (حرف تحكم). احذفه ثم أعد الإرسال.",
    "error_invalid": "{field}: هذه القيمة غير مقبولة.",
    "form_refused": (
        "هذه الاستمارة لم تُرسل من صفحتك، أو لم تعد صالحة: لم يُنفَّذ أي شيء. أعد تحميل الصفحة وحاول من جديد."
    ),
    "busy": (
        "تعذرت معالجة طلبك فوراً، وقد تتم معالجته بعد لحظات. أعد تحميل الصفحة لمعرفة حالة نزاعك قبل أن تحاول "
        "من جديد."
    ),
    "too_large": "هذا النص أطول من أن يُرسل.",
    "back": "العودة إلى نزاعي",
    "request_title": "طلبك",
    "bad_address": "يحتوي هذا العنوان على حرف لا يمكن قراءته: تحقق من الرابط وحاول من جديد.",
    "unavailable_title": "الخدمة غير متاحة مؤقتاً",
    "unavailable_text": "لا يمكننا عرض نزاعك في الوقت الحالي. حاول من جديد بعد لحظات.",
    "not_found_title": "الصفحة غير موجودة",
    "not_found_text": (
        "هذا الرابط غير صالح، أو لم يعد صالحاً. لمتابعة نزاعك، تواصل مع خدمة العملاء مع ذكر مرجعه."
    ),
    "stale": "معلومات بتاريخ {date}: قد تكون تغيرت منذ ذلك الحين.",
    "footer_times": "التواريخ والأوقات بتوقيت المغرب (الدار البيضاء).",
    "footer_private": "هذه الصفحة خاصة بك: لا تشارك رابطها مع أحد.",
    "service": (
        "خدمة العملاء: \u206605 39 42 01 42\u2069، من الاثنين إلى الجمعة من 9:00 إلى 21:00، "
        "والسبت والأحد من 9:00 إلى 18:00."
    ),
}

_EN = {
    "language_name": "English",
    "languages": "Language",
    "page_title": "Dispute {ref} — Jamla24",
    "heading": "Your dispute",
    "reference": "Reference",
    "status": "Status",
    "status_open": "Being handled",
    "status_awaiting_customer": "Awaiting your answer",
    "status_resolved": "Resolved",
    "status_withdrawn": "Withdrawn",
    "handled_by": "Handled by",
    "category": "About",
    "order": "Order",
    "opened": "Opened on",
    "next_title": "What happens next",
    "next_seller_failure": "We have contacted the seller: they have until {date} to respond.",
    "next_resolution_team": (
        "If the dispute is not settled by {date}, our resolution team opens an investigation."
    ),
    "next_findings": "You will have our resolution team's findings by {date} at the latest.",
    "next_customer_experience": (
        "If the dispute is not settled by {date}, it goes to our customer experience team."
    ),
    "next_resolution": "We commit to resolving your dispute by {date} at the latest.",
    "next_awaiting": "Our resolution team needs your answers to its questions to go on.",
    "next_paused": "Our deadlines are on hold until you answer.",
    "next_ongoing": "We are working on your dispute and will keep you informed at every step.",
    "breached": (
        "The 5 days to resolve your dispute have passed: our managers are following it as a priority."
    ),
    "questions_title": "Our questions",
    "answer_label": "Your answer",
    "answer_button": "Send my answer",
    "findings_title": "Our resolution team's findings",
    "resolution_title": "Decision",
    "resolution_outcome": "Outcome: {outcome}.",
    "resolution_rejected": "After careful review, we are sorry that we cannot grant your request.",
    "closed_resolved": "Dispute resolved on {date}.",
    "closed_withdrawn": "You withdrew your complaint on {date}; the dispute is closed.",
    "contact_title": "The seller's contact details",
    "contact_available": (
        "Our efforts to get an answer from the seller have failed: you may obtain their contact details "
        "to contact them directly."
    ),
    "contact_button": "Get the seller's contact details",
    "contact_later": (
        "If the seller does not respond by {date}, you will be able to obtain their contact details here "
        "to contact them directly."
    ),
    "contact_released": "The seller's contact details have been sent to you.",
    "withdraw_title": "Withdraw my complaint",
    "withdraw_text": (
        "Is the problem solved, or do you no longer wish to pursue it? Tell us why: the dispute will close."
    ),
    "reason_label": "Why?",
    "withdraw_button": "Withdraw my complaint",
    "done_answered": "Thank you: your answer has been passed on to our resolution team.",
    "done_contact": "Done: the seller's contact details are on their way to you.",
    "done_withdrawn": "Your complaint is withdrawn; the dispute is closed.",
    "refused_closed": "This dispute is closed: it can no longer change.",
    "refused_not_asked": "Our resolution team has not asked you anything for now.",
    "refused_contact_released": "The seller's contact details have already been sent to you.",
    "refused_contact_not_yet": (
        "The seller's contact details can be given to you only once our own efforts have failed, on "
        "{date} at the earliest."
    ),
    "refused_other": "This request is not possible at the moment.",
    "error_required": "{field}: this field is required.",
    "error_too_long": "{field}: {max} characters at most.",
    "error_character": (
        "{field}: the text holds a character that cannot be accepted (a control character). Remove it, "
        "then send again."
    ),
    "error_invalid": "{field}: this value is not accepted.",
    "form_refused": (
        "This form does not come from your page, or is no longer valid: nothing was done. Reload the page "
        "and try again."
    ),
    "busy": (
        "Your request could not be handled at once; it may be in a moment. Reload the page to see where your "
        "dispute stands before trying again."
    ),
    "too_large": "This text is too long to be sent.",
    "back": "Back to my dispute",
    "request_title": "Your request",
    "bad_address": "This address holds a character that cannot be read: check the link and try again.",
    "unavailable_title": "Service temporarily unavailable",
    "unavailable_text": "We cannot show your dispute right now. Please try again in a few moments.",
    "not_found_title": "Page not found",
    "not_found_text": (
        "This link is not valid, or no longer is. To follow your dispute, contact our customer service "
        "and quote its reference."
    ),
    "stale": "Information as of {date}: it may have changed since.",
    "footer_times": "Dates and times are Morocco time (Casablanca).",
    "footer_private": "This page is yours alone: do not share its link.",
    "service": (
        "Customer service: 05 39 42 01 42, Monday to Friday 9:00 to 21:00, Saturday and Sunday 9:00 to 18:00."
    ),
}

_ALL = {Language.FR: _FR, Language.AR: _AR, Language.EN: _EN}
TEXTS: Mapping[Language, Mapping[str, str]] = MappingProxyType(
    {language: MappingProxyType(texts) for language, texts in _ALL.items()}
)
