-- Display names for the dashboard's codes: countries and French départements.
SELECT 'country' AS kind, iso2 AS code, name FROM ref.countries
UNION ALL
SELECT 'departement', code, name FROM ref.fr_departments
