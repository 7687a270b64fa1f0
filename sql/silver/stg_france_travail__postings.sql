-- France Travail "Offres d'emploi v2" offers from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Salaries only exist as text (salaire.libelle, e.g. "Mensuel de 2500.00 Euros à 3000.00 Euros
-- sur 12 mois"); the place is a label "75 - Paris 11e Arrondissement" led by the département.
-- Contact names (contact.nom) are personal data and are deliberately not carried past bronze.
SELECT
    bronze_file,
    bronze_line,
    ingest_date,
    source,
    source_id,
    fetched_at,
    run_id,
    coalesce(json_get_str(payload, 'origineOffre', 'urlOrigine'), url) AS url,
    parse_error,
    json_get_str(payload, 'intitule') AS title,
    json_get_str(payload, 'entreprise', 'nom') AS company,
    json_get_str(payload, 'description') AS description,
    fr_city(json_get_str(payload, 'lieuTravail', 'libelle')) AS city,
    fr_region(fr_department(json_get_str(payload, 'lieuTravail', 'libelle'))) AS region,
    'FR' AS country,
    json_get_str(payload, 'lieuTravail', 'codePostal') AS postal_code,
    json_get_float(payload, 'lieuTravail', 'latitude') AS latitude,
    json_get_float(payload, 'lieuTravail', 'longitude') AS longitude,
    CAST(NULL AS BOOLEAN) AS remote,
    json_get_str(payload, 'typeContrat') AS contract_raw,
    -- "Temps plein" and "35H Travail en journée": the weekly hours annualise hourly pay.
    concat_ws(' ', json_get_str(payload, 'dureeTravailLibelleConverti'),
              json_get_str(payload, 'dureeTravailLibelle')) AS working_time_raw,
    CAST(NULL AS DOUBLE) AS salary_min,
    CAST(NULL AS DOUBLE) AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    coalesce(json_get_str(payload, 'salaire', 'libelle'),
             nullif(json_get_str(payload, 'salaire', 'commentaire'), 'N/A')) AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'dateCreation') AS posted_raw,
    json_get_str(payload, 'romeLibelle') AS category_raw,
    json_get_str(payload, 'lieuTravail', 'libelle') AS departement_raw
FROM bronze.france_travail
