//! joblake's normalisation and enrichment functions, used by the silver layer: HTML to text,
//! matching keys for titles and companies, salaries and timestamps written as text, skills, job
//! families, contract types, places and currencies.
//!
//! Everything here is pure Rust with no DataFusion dependency: the main crate, `joblake`, wraps
//! these functions as scalar UDFs in the DataFusion session its engine builds. They run on
//! millions of rows, so every regex and automaton is compiled once (when a reference table is
//! loaded) and the per-row functions avoid allocating more than their output.
//!
//! The reference tables live in `sql/reference/*.csv`; they are embedded in the binary as
//! defaults ([`SKILLS_CSV`], [`JOB_FAMILIES_CSV`], ...) and can be replaced by loading another
//! CSV text with the same columns through the `from_csv` constructors.
//!
//! One module per domain, everything re-exported here:
//!
//! | module | what |
//! |---|---|
//! | `reference` | the embedded CSVs, [`EnrichError`], the shared CSV reader |
//! | `html` | [`html_to_text`], [`fix_mojibake`] |
//! | `keys` | [`normalize_key`], [`normalize_company`] |
//! | `listings` | [`cluster`]: the listings of one title and place grouped into openings by company ([`MatchRule`]) and conflicting facts ([`Conflict`]) |
//! | `personal` | [`redact_personal`]: e-mail addresses, phone numbers and contact names out of a text |
//! | `salary` | [`parse_salary_text`], [`PayRules`] (fields, salary text or description to annual pay, with its basis), [`guess_salary_period`], [`annual_factor`] |
//! | `timestamp` | [`parse_timestamp`] |
//! | `skills` | [`SkillMatcher`] |
//! | `job_family` | [`JobFamilyRules`] |
//! | `contract` | [`ContractTypes`], [`working_time`] |
//! | `geography` | [`Countries`], [`Departments`], France Travail labels and postal codes |
//! | `currency` | [`CurrencyRates`] |

mod contract;
mod currency;
mod geography;
mod html;
mod job_family;
mod keys;
mod listings;
mod personal;
mod reference;
mod salary;
mod skills;
mod timestamp;

pub use contract::{
    CONTRACT_TYPE_NONE, CONTRACT_TYPE_VALUES, ContractTypes, contract_from_text, working_time,
};
pub use currency::CurrencyRates;
pub use geography::{
    Countries, Departments, city_from_ft_label, clean_city, department_code_from_label,
    department_code_from_postal_code,
};
pub use html::{fix_mojibake, html_to_text};
pub use job_family::JobFamilyRules;
pub use keys::{normalize_company, normalize_key};
pub use listings::{
    Assignment, Conflict, Earlier, ListingFacts, MAX_LEADERS, MatchRule, PayRange, Placed,
    Workplaces, cluster, cluster_after, cluster_again, company_candidate, conflict, text_start,
};
pub use personal::{EMAIL_REMOVED, NAME_REMOVED, PHONE_REMOVED, redact_personal};
pub use reference::{
    CONTRACT_TYPES_CSV, COUNTRIES_CSV, CURRENCY_RATES_CSV, EnrichError, FR_DEPARTMENTS_CSV,
    JOB_FAMILIES_CSV, SKILLS_CSV, WORKPLACES_CSV,
};
pub use salary::{
    Pay, PayInput, PayOrigin, PayRules, Period, SalaryText, annual_factor, full_time_hours,
    guess_salary_period, parse_salary_text, working_days,
};
pub use skills::{IGNORE_FAMILY, SkillMatcher};
pub use timestamp::parse_timestamp;
