//! Description building blocks, per language (en, fr, de). Placeholders:
//! {c} company, {t} title, {city}, {team}, {dom} model domain, {n} years,
//! {year} founding year, {staff}, {ind} industry, {s} the job's next skill and
//! {lang} {data} {ops} {ml} {bi} its next skill of that kind (templates whose
//! kinds the job lacks are skipped).

/// One list of templates per language (en, fr, de).
type Pool = [&'static [&'static str]; 3];

#[rustfmt::skip]
pub(crate) const INTRO: Pool = [
    &["{c} is looking for a {t} to join our {team} team in {city}.",
      "We’re hiring a {t} in {city}! At {c}, you will work on problems that matter to millions of customers.",
      "As a {t} at {c}, you will help our {team} team turn raw data into better decisions.",
      "Join {c} in {city} as {t} and shape how we use data across the company."],
    &["{c} recherche un(e) {t} pour renforcer son équipe {team} à {city}.",
      "Rejoignez {c}\u{a0}! Nous recrutons un(e) {t} basé(e) à {city}.",
      "Au sein de l’équipe {team} de {c}, vous intervenez en tant que {t}.",
      "Dans le cadre de sa croissance, {c} recrute un(e) {t} à {city}."],
    &["{c} sucht zum nächstmöglichen Zeitpunkt eine:n {t} für unser {team}-Team in {city}.",
      "Du willst mit Daten wirklich etwas bewegen? Dann verstärke {c} in {city} als {t}!",
      "Für unseren Standort {city} suchen wir eine:n engagierte:n {t}."],
];

#[rustfmt::skip]
pub(crate) const ABOUT: Pool = [
    &["{c} is a fast-growing {ind} company founded in {year}. Today more than {staff} people work across our offices in Europe and North America, and data sits at the heart of everything we do.",
      "Since {year}, {c} has been building {ind} products used every day by thousands of businesses. We are profitable, independent and proud of our “people first” culture."],
    &["Créée en {year}, {c} est une entreprise {ind} qui compte aujourd’hui plus de {staff} collaborateurs en France et à l’international. La donnée est au cœur de notre stratégie.",
      "Acteur reconnu {ind} depuis {year}, {c} accompagne plus de 2\u{a0}000 clients et place l’innovation au centre de son développement."],
    &["{c} wurde {year} gegründet und ist heute mit über {staff} Mitarbeitenden ein führendes Unternehmen im Bereich {ind}. Daten sind die Grundlage unserer Entscheidungen.",
      "Seit {year} gestaltet {c} die Zukunft im Bereich {ind} – unabhängig, profitabel und mit einer offenen „Du“-Kultur."],
];

#[rustfmt::skip]
pub(crate) const TEAM: Pool = [
    &["Our {team} team is made up of about fifteen engineers, analysts and scientists who work in small, autonomous squads. We ship every day, review each other’s work and spend 10% of our time on learning and experimentation. You will report to our Head of {team} and work with colleagues from more than 20 countries.",
      "How we hire: a 30-minute call with our recruiter, a take-home exercise (max. 3 hours, paid), a technical interview with two future colleagues and a final chat with the team lead. We aim to give you an answer within two weeks."],
    &["L’équipe {team} réunit une quinzaine d’ingénieurs, d’analystes et de data scientists organisés en squads autonomes. Nous livrons en continu, pratiquons la revue de code et consacrons 10\u{a0}% de notre temps à la veille et à l’expérimentation. Vous serez rattaché(e) au responsable {team}.",
      "Processus de recrutement\u{a0}: un premier échange téléphonique, un cas pratique, un entretien technique avec deux membres de l’équipe puis une rencontre avec le manager. Nous nous engageons à vous répondre sous quinze jours."],
    &["Unser {team}-Team besteht aus rund 15 Engineers, Analysts und Scientists, die in kleinen, selbstorganisierten Squads arbeiten. Wir liefern täglich aus, machen Code-Reviews und investieren 10\u{a0}% unserer Zeit in Weiterbildung. Du berichtest direkt an die Leitung {team}.",
      "So läuft der Prozess: ein kurzes Kennenlerngespräch, eine kleine Fallstudie, ein Fachinterview mit zwei künftigen Kolleg:innen und ein Abschlussgespräch mit der Teamleitung. Eine Rückmeldung bekommst du innerhalb von zwei Wochen."],
];

#[rustfmt::skip]
pub(crate) const TECH_TASKS: Pool = [
    &["Design, build and maintain reliable data pipelines with {data} and {lang}",
      "Develop {dom} models with {ml} and bring them to production",
      "Write clean, tested and well-documented code in {lang}",
      "Build dashboards and self-service reporting in {bi}",
      "Improve the performance, reliability and cost of our {data} platform",
      "Run A/B tests and explain the results to non-technical audiences{+Statistics}",
      "Automate deployments with {ops} and {ops}",
      "Collaborate with our R&D team on new data products{+Machine Learning}",
      "Take part in code reviews and mentor junior colleagues"],
    &["Concevoir, développer et maintenir des pipelines de données avec {data} et {lang}",
      "Développer des modèles de {dom} avec {ml} et les mettre en production",
      "Écrire un code propre, testé et documenté en {lang}",
      "Construire des tableaux de bord et des rapports en libre-service sous {bi}",
      "Optimiser la performance, la fiabilité et les coûts de notre plateforme {data}",
      "Mettre en place des tests A/B et restituer les résultats aux équipes métier{+Statistics}",
      "Automatiser les déploiements avec {ops} et {ops}",
      "Collaborer avec l’équipe R&D sur de nouveaux produits data{+Machine Learning}",
      "Participer aux revues de code et accompagner les profils juniors"],
    &["Du entwickelst und betreibst zuverlässige Datenpipelines mit {data} und {lang}",
      "Du entwickelst {dom}-Modelle mit {ml} und bringst sie in Produktion",
      "Du schreibst sauberen, getesteten und dokumentierten Code in {lang}",
      "Du baust Dashboards und Self-Service-Reports mit {bi}",
      "Du verbesserst Performance, Stabilität und Kosten unserer {data}-Plattform",
      "Du planst A/B-Tests und erklärst die Ergebnisse verständlich{+Statistics}",
      "Du automatisierst Deployments mit {ops} und {ops}",
      "Du arbeitest eng mit unserem F&E-Team an neuen Datenprodukten{+Machine Learning}",
      "Du unterstützt Code-Reviews und coachst Junior-Kolleg:innen"],
];

#[rustfmt::skip]
pub(crate) const GENERIC_TASKS: Pool = [
    &["Work closely with colleagues from sales, finance and operations",
      "Keep documentation and reporting up to date",
      "Contribute to the continuous improvement of our processes"],
    &["Travailler en lien étroit avec les équipes commerciales, finance et opérations",
      "Assurer le suivi et le reporting de votre activité",
      "Contribuer à l’amélioration continue de nos processus"],
    &["Du arbeitest eng mit Vertrieb, Finanzen und Operations zusammen",
      "Du hältst Dokumentation und Reporting aktuell",
      "Du trägst zur kontinuierlichen Verbesserung unserer Prozesse bei"],
];

#[rustfmt::skip]
pub(crate) const TECH_REQS: Pool = [
    &["{n}+ years of experience in a similar role",
      "Strong skills in {s} and {s}",
      "Hands-on experience with {s}, {s} or {s}",
      "Knowledge of {s} is a plus",
      "A degree in statistics, mathematics or a related field{+Statistics}",
      "A degree in computer science, engineering or a related field{-Statistics}",
      "Good understanding of engineering best practices (testing, {ops}, code review)"],
    &["Vous justifiez d’au moins {n} an(s) d’expérience sur un poste similaire",
      "Vous maîtrisez {s} et {s}",
      "Une expérience avec {s}, {s} ou {s} est un vrai plus",
      "La connaissance de {s} serait appréciée",
      "Formation Bac+5 (école d’ingénieur ou université) en statistiques ou mathématiques{+Statistics}",
      "Formation Bac+5 (école d’ingénieur ou université) en informatique{-Statistics}",
      "Vous êtes sensible aux bonnes pratiques de développement (tests, {ops}, revue de code)"],
    &["Mindestens {n} Jahr(e) Berufserfahrung in einer vergleichbaren Position",
      "Sehr gute Kenntnisse in {s} und {s}",
      "Praktische Erfahrung mit {s}, {s} oder {s}",
      "Kenntnisse in {s} sind ein Plus",
      "Abgeschlossenes Studium der Statistik, Mathematik oder vergleichbare Qualifikation{+Statistics}",
      "Abgeschlossenes Studium der Informatik oder vergleichbare Qualifikation{-Statistics}",
      "Du kennst Best Practices der Softwareentwicklung (Tests, {ops}, Code-Reviews)"],
];

#[rustfmt::skip]
pub(crate) const GENERIC_REQS: Pool = [
    &["{n}+ years of relevant experience", "Excellent communication skills in English",
      "Good command of {s}", "A reliable, well-organised and friendly way of working"],
    &["Vous disposez d’au moins {n} an(s) d’expérience", "Excellent relationnel et sens du service",
      "Bonne maîtrise de {s}", "Rigueur, organisation et esprit d’équipe"],
    &["Mindestens {n} Jahr(e) relevante Berufserfahrung", "Sehr gute Deutschkenntnisse",
      "Sicherer Umgang mit {s}", "Zuverlässige, strukturierte und freundliche Arbeitsweise"],
];

#[rustfmt::skip]
pub(crate) const BENEFITS: Pool = [
    &["Competitive salary and an annual bonus", "Hybrid work: up to 3 days a week from home",
      "€1,500 yearly learning budget and conference tickets", "30 days of paid holiday",
      "A modern office in {city} with great coffee ☕", "Company pension scheme and private health insurance"],
    &["Salaire attractif + prime annuelle", "Télétravail jusqu’à 3 jours par semaine",
      "Tickets restaurant et mutuelle prise en charge à 60\u{a0}%", "RTT et 25 jours de congés payés",
      "Des locaux lumineux au cœur de {city}", "Budget formation de 1\u{a0}500\u{a0}€ par an"],
    &["Unbefristeter Vertrag und attraktives Gehalt", "30 Tage Urlaub",
      "Flexible Arbeitszeiten und bis zu 100\u{a0}% Homeoffice", "Deutschlandticket und Fahrradleasing",
      "Weiterbildungsbudget von 1.500\u{a0}€ pro Jahr", "Betriebliche Altersvorsorge"],
];

#[rustfmt::skip]
pub(crate) const CLOSING: Pool = [
    &["{c} is an equal opportunity employer. We welcome applications regardless of age, gender, origin, disability or sexual orientation.",
      "Interested? Send us your CV – no cover letter needed – and we’ll get back to you within a week 🙂"],
    &["Envie de relever le défi\u{a0}? Postulez dès maintenant\u{a0}!",
      "Ce poste est ouvert aux personnes en situation de handicap. {c} s’engage pour la diversité et l’inclusion."],
    &["Wir freuen uns auf deine Bewerbung – gerne mit Angabe deines frühestmöglichen Eintrittstermins!",
      "Bei {c} zählt, was du kannst – nicht woher du kommst. Wir begrüßen alle Bewerbungen unabhängig von Geschlecht, Herkunft, Alter oder Behinderung."],
];

/// Section headings: tasks, profile, benefits.
#[rustfmt::skip]
pub(crate) const HEADINGS: [Pool; 3] = [
    [&["What you’ll do", "Your responsibilities", "The role"],
     &["Vos missions\u{a0}:", "Missions principales\u{a0}:"], &["Deine Aufgaben", "Das erwartet dich"]],
    [&["What we’re looking for", "Your profile", "Requirements"],
     &["Votre profil\u{a0}:", "Profil recherché\u{a0}:"], &["Dein Profil", "Das bringst du mit"]],
    [&["What we offer", "Benefits"], &["Ce que nous offrons\u{a0}:", "Les avantages\u{a0}:"],
     &["Was wir bieten", "Deine Benefits"]],
];
pub(crate) const STACK: [&str; 3] = [
    "Our stack: ",
    "Stack technique\u{a0}: ",
    "Unser Tech-Stack: ",
];
#[rustfmt::skip]
pub(crate) const TEAMS: Pool = [&["Data", "Analytics", "Data Platform", "AI", "Engineering"],
    &["Data", "Analytics", "IA", "Plateforme Data"], &["Data", "Analytics", "Data-Plattform", "KI"]];
#[rustfmt::skip]
pub(crate) const DOMAINS: Pool = [&["forecasting", "recommendation", "pricing", "fraud detection", "churn prediction"],
    &["prévision", "recommandation", "tarification", "détection de fraude"],
    &["Prognose", "Empfehlungs", "Pricing", "Betrugserkennungs"]];

/// France Travail `competences` labels (own wording), for data roles and others.
#[rustfmt::skip]
pub(crate) const FT_SKILLS: [&[&str]; 2] = [
    &["Concevoir des pipelines de données", "Modéliser et structurer des données",
      "Développer des modèles statistiques ou prédictifs", "Mettre en production des applications",
      "Rédiger une documentation technique", "Animer des ateliers avec les équipes métier"],
    &["Accueillir et conseiller une clientèle", "Organiser son activité selon les priorités",
      "Renseigner des documents de suivi"],
];
