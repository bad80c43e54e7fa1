"""The virtual gas-atomization plant (introduced in day1_overview/01_project_overview.ipynb).

A vectorized, physics-grounded simulator of a powder plant with two close-coupled VIGA units and a
crucible-free EIGA unit (Ti64), making metal powder for additive manufacturing. It knows the noise-free
truth, so the course can state noise floors and true optima. Physics: choked ideal-gas nozzle flow;
Lubanska (1970) median size with an empirical GMR factor, a volumetric (density) correction and a size
floor; log-normal mass PSD; losses (skull/overspray, fines carried off with the gas, satellites moved
oversize); a pour window outside which a VIGA heat fails. Calibration and sources: data/README.md.

Public API: ``expected``, ``simulate``, ``run_trial``, ``history``, ``noise_floor``, ``pour_velocity``,
``heat_fails``, ``gas_jet``, ``TASK``, ``TRIALS`` (the trial counter).
Command line: ``python -m utils.plant --out PATH`` writes the raw history.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .optimize import FAILED_HEAT_SCORE   # the score search() gives a failed heat

# --------------------------------------------------------------------------------------------
# Columns and ranges
# --------------------------------------------------------------------------------------------
ALLOYS = ("316L", "IN718", "Ti64", "AlSi10Mg")
ATOMIZERS = ("VIGA-1", "VIGA-2", "EIGA")   # two close-coupled VIGA units; a crucible-free EIGA unit for Ti64
GASES = ("Ar", "N2")
NOZZLE_SIZES_MM = (2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0)

#: continuous settings the plant accepts: column -> (low, high)
RANGES = {
    "gas_pressure_mpa": (1.5, 6.0),
    "gas_temp_c": (20.0, 350.0),
    "melt_flow_kg_min": (0.5, 16.0),
    "superheat_c": (50.0, 300.0),
    "chamber_o2_ppm": (10.0, 800.0),
    "nozzle_hours": (0.0, 500.0),
}
TI64_MAX_MELT_FLOW = 2.0  # kg/min: Ti64 is melted off a rotating electrode (EIGA), 0.5–2 kg/min
VIGA_MELT_FLOW = (2.0, 16.0)   # kg/min through a VIGA crucible's bore
POUR_WINDOW_M_S = (1.0, 3.5)   # melt velocity in a VIGA bore: slower freezes off, faster floods the nozzle

SETTINGS = [
    "alloy", "atomizer", "gas", "gas_pressure_mpa", "gas_temp_c", "melt_flow_kg_min",
    "superheat_c", "nozzle_diameter_mm", "chamber_o2_ppm", "nozzle_hours",
]
OUTCOMES = [
    "d10_um", "d50_um", "d90_um", "yield_15_45_pct", "yield_45_106_pct", "sphericity",
    "oxygen_ppm", "hall_flow_s_50g", "apparent_density_g_cm3", "gas_consumption_kg",
]
UNITS = {
    "gas_pressure_mpa": "MPa", "gas_temp_c": "°C", "melt_flow_kg_min": "kg/min",
    "superheat_c": "K", "nozzle_diameter_mm": "mm", "chamber_o2_ppm": "ppm", "nozzle_hours": "h",
    "d10_um": "µm", "d50_um": "µm", "d90_um": "µm", "yield_15_45_pct": "%",
    "yield_45_106_pct": "%", "sphericity": "–", "oxygen_ppm": "ppm", "hall_flow_s_50g": "s/50 g",
    "apparent_density_g_cm3": "g/cm³", "gas_consumption_kg": "kg",
}

# --------------------------------------------------------------------------------------------
# Material and gas properties (near liquidus; [E] = engineering estimate)
# --------------------------------------------------------------------------------------------
#            T_L [K], rho [kg/m3], sigma_L [N/m], dsigma/dT, eta_L [Pa s], E_a [J/mol]
ALLOY_PROPS = {
    "316L": dict(T_L=1730.0, rho=6900.0, sigma=1.75, dsig=-2.0e-4, eta=5.5e-3, Ea=5.0e4),
    "IN718": dict(T_L=1609.0, rho=7400.0, sigma=1.85, dsig=-1.1e-4, eta=7.0e-3, Ea=5.5e4),
    "Ti64": dict(T_L=1923.0, rho=4110.0, sigma=1.52, dsig=-2.6e-4, eta=4.8e-3, Ea=4.5e4),
    "AlSi10Mg": dict(T_L=870.0, rho=2450.0, sigma=0.85, dsig=-1.5e-4, eta=1.3e-3, Ea=1.6e4),
}
#: bulk oxygen of the feedstock [ppm], surface pick-up coefficient [ppm at d50=30 µm, O2=0],
#: oxygen specification limit [ppm], base sphericity
ALLOY_QUALITY = {
    "316L": dict(o2_bulk=250.0, o2_surf=120.0, o2_spec=800.0, sph=0.935),
    "IN718": dict(o2_bulk=35.0, o2_surf=50.0, o2_spec=500.0, sph=0.94),
    "Ti64": dict(o2_bulk=700.0, o2_surf=260.0, o2_spec=1300.0, sph=0.95),
    "AlSi10Mg": dict(o2_bulk=180.0, o2_surf=300.0, o2_spec=1200.0, sph=0.88),
}
#            gamma, R [J/(kg K)], kinematic viscosity in the spray chamber (1 bar, 20 °C) [m2/s]
GAS_PROPS = {
    "Ar": dict(gamma=5.0 / 3.0, R=208.13, nu=1.36e-5),
    "N2": dict(gamma=1.4, R=296.80, nu=1.52e-5),
}
#            Lubanska K, gas-slit area [m2], discharge coeff., base sigma_g, mass of one heat [kg]
ATOMIZER_PROPS = {
    "VIGA-1": dict(K=46.0, A_gas=30e-6, Cd=0.90, sg=1.98, heat_kg=250.0),
    "VIGA-2": dict(K=42.0, A_gas=34e-6, Cd=0.85, sg=2.08, heat_kg=250.0),
    "EIGA": dict(K=60.0, A_gas=12e-6, Cd=0.85, sg=2.05, heat_kg=35.0),   # free-fall stream: weaker coupling
}
#: size floor d_min [µm] per alloy (Ar; N2 x 1.1): above some gas-to-metal ratio d50 hardly falls further
#: (Ünal 2007; Antipas 2012) [E]
D50_FLOOR_UM = {"316L": 16.0, "IN718": 20.5, "Ti64": 37.0, "AlSi10Mg": 20.0}
RHO_REF = 6900.0         # 316L: the volumetric gas-to-metal correction is 1 for 316L
P_AMBIENT_PA = 0.1e6
GMR_BETA = 0.40          # empirical GMR^-beta factor on top of Lubanska [E]
NOZZLE_WEAR_PER_H = 1.2e-3   # relative growth of the effective melt-nozzle diameter per hour [E]
CLASSIFIER_LOSS = 0.04   # fraction of a sieve cut lost in classification [E]
VOLUMETRIC_BETA = 0.65   # d50 ~ (rho_m / rho_316L)^-0.65: the gas grips a light melt less than its mass GMR says [E]
FINES_CUTOFF_UM = 9.0    # fines this size and below leave with the gas (cyclone/filter): d_c of 1 - exp(-(d/d_c)^2) [E]
SKULL_LOSS = 0.03        # skull and overspray, fraction of the charge; more at low superheat [E]
SATELLITE_BASE = 0.08    # fraction of the 15–45 µm mass bound into satellites/agglomerates (moves oversize) [E]
AGGREGATION_SUPERHEAT_C = 180.0   # above this superheat fines aggregate (Urionabarrenetxea 2021) [E]
HEAT_MASS_KG = 250.0     # one heat (batch) [E]
R_UNIVERSAL = 8.314

# --------------------------------------------------------------------------------------------
# Noise (public truth: the noise floor of every target follows from these)
# --------------------------------------------------------------------------------------------
SCATTER_D50_REL = 0.05        # batch-to-batch scatter of d50 (log-normal, relative sd)
SCATTER_SIGMA_G_REL = 0.015   # batch scatter of the geometric standard deviation
SCATTER_SPHERICITY = 0.006    # batch scatter of sphericity (absolute)
SCATTER_OXYGEN_REL = 0.05     # batch scatter of oxygen pick-up
NOISE_PSD_REL = 0.015         # laser-diffraction repeatability on D10/D50/D90
NOISE_YIELD_PCT = 0.6         # sieving/weighing noise on each cut yield [% points]
NOISE_SPHERICITY = 0.004      # image-analysis noise
NOISE_OXYGEN_PPM = 15.0       # analyser noise
NOISE_HALL_S = 0.4            # Hall-flow timing noise [s]
NOISE_DENSITY = 0.03          # apparent density [g/cm3]
NOISE_GAS_REL = 0.02          # gas-meter noise
NO_FLOW_LIMIT_S = 40.0        # slower than this: the powder does not flow through the Hall funnel

Z90 = 1.2815515655446004      # standard-normal quantile for D10/D90


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def _validate(settings: pd.DataFrame, pairing: bool = True) -> pd.DataFrame:
    """Check a settings table; return a copy with clean dtypes or raise a ValueError that says why.
    ``pairing=False`` skips the rules that tie alloys to units (Ti64 only on EIGA, per-unit melt flow,
    no N2 for Ti64): physics features may be computed for such hypothetical rows (e.g. permuted ones)."""
    if not isinstance(settings, pd.DataFrame):
        raise ValueError(f"settings must be a pandas DataFrame with columns {SETTINGS}, "
                         f"got {type(settings).__name__}; wrap one row as pd.DataFrame([row]).")
    missing = [c for c in SETTINGS if c not in settings.columns]
    if missing:
        raise ValueError(f"settings is missing column(s) {missing}; the plant needs {SETTINGS}.")
    s = settings[SETTINGS].copy()
    for col, allowed in (("alloy", ALLOYS), ("atomizer", ATOMIZERS), ("gas", GASES)):
        values = s[col].to_numpy()
        bad = ~np.isin(values, allowed) if (values != values[:1]).any() else np.full(len(values), values[0] not in allowed)
        if bad.any():
            raise ValueError(f"column '{col}': unknown value {values[bad][0]!r}; "
                             f"allowed values are {list(allowed)} (clean labels first, e.g. "
                             f"utils.data.load_clean()).")
    numeric = list(RANGES) + ["nozzle_diameter_mm"]
    for col in numeric:
        if s[col].dtype != float:
            try:
                s[col] = pd.to_numeric(s[col]).astype(float)
            except (ValueError, TypeError):
                raise ValueError(f"column '{col}' must be numeric; got values such as "
                                 f"{s[col].iloc[0]!r}.") from None
        isna = np.isnan(s[col].to_numpy())
        if isna.any():
            raise ValueError(f"column '{col}' has NaN in row {int(np.flatnonzero(isna)[0])};"
                             f" the plant needs a value in every row (impute or drop it first).")
    for col, (lo, hi) in RANGES.items():
        v = s[col].to_numpy()
        bad = (v < lo) | (v > hi)
        if bad.any():
            raise ValueError(f"column '{col}': value {v[bad][0]:g} {UNITS[col]} is outside "
                             f"the plant's range [{lo:g}, {hi:g}] {UNITS[col]}.")
    bad = ~np.isin(s["nozzle_diameter_mm"].to_numpy(), NOZZLE_SIZES_MM)
    if bad.any():
        raise ValueError(f"column 'nozzle_diameter_mm': {s['nozzle_diameter_mm'][bad].iloc[0]:g} mm is "
                         f"not a nozzle the plant has; allowed sizes are {list(NOZZLE_SIZES_MM)} mm.")
    if not pairing:
        return s
    ti, eiga = (s["alloy"] == "Ti64").to_numpy(), (s["atomizer"] == "EIGA").to_numpy()
    if (ti != eiga).any():
        i = int(np.flatnonzero(ti != eiga)[0])
        raise ValueError(f"column 'atomizer': {s['alloy'].iloc[i]} on {s['atomizer'].iloc[i]!r}: Ti64 is reactive and "
                         "is atomized crucible-free on the 'EIGA' unit; the other alloys use 'VIGA-1' or 'VIGA-2'.")
    flow = s["melt_flow_kg_min"].to_numpy()
    lo, hi = np.where(eiga, RANGES["melt_flow_kg_min"][0], VIGA_MELT_FLOW[0]), np.where(eiga, TI64_MAX_MELT_FLOW,
                                                                                          VIGA_MELT_FLOW[1])
    bad = (flow < lo) | (flow > hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"column 'melt_flow_kg_min': {flow[i]:g} kg/min is outside the range for "
                         f"{s['alloy'].iloc[i]} on {s['atomizer'].iloc[i]} [{lo[i]:g}, {hi[i]:g}] kg/min.")
    ti_n2 = (s["alloy"] == "Ti64") & (s["gas"] == "N2")
    if ti_n2.any():
        raise ValueError("column 'gas': Ti64 must be atomized with 'Ar' (N2 forms titanium nitrides).")
    return s


def _col(s: pd.DataFrame, table: dict, key: str) -> np.ndarray:
    """Look up a per-category property (alloy, gas or atomizer table) for every row."""
    by = {id(ALLOY_PROPS): "alloy", id(ALLOY_QUALITY): "alloy", id(GAS_PROPS): "gas",
          id(ATOMIZER_PROPS): "atomizer"}[id(table)]
    labels = s[by].to_numpy()
    if len(labels) and (labels == labels[0]).all():          # one alloy/gas/unit (a task's search): fast path
        return np.full(len(labels), float(table[labels[0]][key]))
    return s[by].map({k: v[key] for k, v in table.items()}).to_numpy(dtype=float)


# --------------------------------------------------------------------------------------------
# Physics
# --------------------------------------------------------------------------------------------
def pour_velocity(settings: pd.DataFrame) -> np.ndarray:
    """Melt velocity in the VIGA crucible's bore [m/s], ṁ / (ρ·π·d²/4); NaN on the crucible-free EIGA unit.
    Outside POUR_WINDOW_M_S the heat fails (introduced in day1_overview/01_project_overview; Day 2 finds
    the aborted heats of the history in day2_preprocessing/01_cleaning)."""
    s = _validate(settings)
    return _pour_velocity(s)


def _speed(flow_kg_min, rho, bore_mm):
    """ṁ / (ρ·π·d²/4) [m/s]; the one formula both heat_fails() and Task.pour_ok() use (same rounding)."""
    return flow_kg_min / 60.0 / (rho * (np.pi / 4.0 * (bore_mm * 1e-3) ** 2))


def _pour_velocity(s: pd.DataFrame) -> np.ndarray:
    v = _speed(s["melt_flow_kg_min"].to_numpy(), _col(s, ALLOY_PROPS, "rho"), s["nozzle_diameter_mm"].to_numpy())
    return np.where(s["atomizer"].to_numpy() == "EIGA", np.nan, v)


def heat_fails(settings: pd.DataFrame) -> np.ndarray:
    """True where the pour velocity leaves POUR_WINDOW_M_S: the stream freezes off in the bore (too slow)
    or floods the gas nozzle (too fast); such a heat makes no powder and its outcomes are NaN."""
    return _fails(_validate(settings))


def _fails(s: pd.DataFrame) -> np.ndarray:
    v = _pour_velocity(s)
    return (v < POUR_WINDOW_M_S[0]) | (v > POUR_WINDOW_M_S[1])


def gas_jet(settings: pd.DataFrame) -> pd.DataFrame:
    """Choked-nozzle gas mass flux ``G_star`` [kg/(s·m²)] and fully expanded gas velocity ``V_g`` [m/s],
    with the melt's ``rho`` [kg/m³] and ``sigma`` [N/m] near liquidus, for validated settings (the physics features of
    day2_preprocessing/02_features_and_splits)."""
    s = _validate(settings, pairing=False)
    G_star, V_g = _gas(s)
    return pd.DataFrame({"G_star": G_star, "V_g": V_g, "rho": _col(s, ALLOY_PROPS, "rho"),
                         "sigma": _col(s, ALLOY_PROPS, "sigma")}, index=settings.index)


def _gas(s: pd.DataFrame):
    """(G*, V_g): ideal gas through a choked nozzle from stagnation pressure and temperature."""
    P0 = s["gas_pressure_mpa"].to_numpy() * 1e6
    T0 = s["gas_temp_c"].to_numpy() + 273.15
    gamma, Rg = _col(s, GAS_PROPS, "gamma"), _col(s, GAS_PROPS, "R")
    G_star = P0 * np.sqrt(gamma / (Rg * T0)) * (2.0 / (gamma + 1.0)) ** ((gamma + 1.0) / (2.0 * (gamma - 1.0)))
    V_g = np.sqrt(2.0 * gamma / (gamma - 1.0) * Rg * T0 * (1.0 - (P_AMBIENT_PA / P0) ** ((gamma - 1.0) / gamma)))
    return G_star, V_g


def _latent(s: pd.DataFrame) -> dict:
    """Noise-free intermediate quantities (gas velocity, GMR, Weber number, d50, sigma_g, ...)."""
    T0 = s["gas_temp_c"].to_numpy() + 273.15
    mdot_m = s["melt_flow_kg_min"].to_numpy() / 60.0
    dT = s["superheat_c"].to_numpy()
    nu_g = _col(s, GAS_PROPS, "nu")
    T_L, rho, sig_L, dsig, eta_L, Ea = (_col(s, ALLOY_PROPS, k)
                                        for k in ("T_L", "rho", "sigma", "dsig", "eta", "Ea"))
    K, A_gas, Cd, sg0 = (_col(s, ATOMIZER_PROPS, k) for k in ("K", "A_gas", "Cd", "sg"))

    T_melt = T_L + dT
    sigma_m = sig_L + dsig * dT
    eta_m = eta_L * np.exp(Ea / R_UNIVERSAL * (1.0 / T_melt - 1.0 / T_L))
    nu_m = eta_m / rho
    G_star, V_g = _gas(s)
    mdot_g = Cd * A_gas * G_star
    gmr = mdot_g / mdot_m
    d0 = s["nozzle_diameter_mm"].to_numpy() * 1e-3 * (1.0 + NOZZLE_WEAR_PER_H * s["nozzle_hours"].to_numpy())
    we = rho * V_g ** 2 * d0 / sigma_m
    d50_free = (K * d0 * np.sqrt(nu_m / nu_g / we * (1.0 + 1.0 / gmr)) * (gmr / 2.0) ** (-GMR_BETA)
                * (rho / RHO_REF) ** (-VOLUMETRIC_BETA) * 1e6)
    d_min = s["alloy"].map(D50_FLOOR_UM).to_numpy(float) * np.where(s["gas"].to_numpy() == "N2", 1.1, 1.0)
    d50 = np.sqrt(d50_free ** 2 + d_min ** 2)     # a floor: more gas hardly refines below d_min
    aggregation = np.clip(dT - AGGREGATION_SUPERHEAT_C, 0.0, None) / 100.0
    sigma_g = (sg0 + 0.22 * (1.0 / gmr - 0.5) + 0.0008 * (dT - 150.0) + 0.25 * aggregation ** 2
               - 0.0004 * (T0 - 293.15))
    sigma_g = np.clip(sigma_g, 1.6, 2.8)
    return dict(V_g=V_g, gmr=gmr, we=we, d50=d50, sigma_g=sigma_g, nu_m=nu_m, mdot_g=mdot_g,
                rho=rho, dT=dT, d_min=d_min, aggregation=aggregation)


# Gauss–Legendre nodes on [0, 1] for the mass of a size band that the gas carries off
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_GL_X, _GL_W = (_GL_X + 1.0) / 2.0, _GL_W / 2.0


def _band(d50, ln_sg, lo, hi):
    """Mass fraction of a log-normal PSD in [lo, hi] µm, and the part of it carried off with the gas."""
    mass = ndtr((np.log(hi) - np.log(d50)) / ln_sg) - ndtr((np.log(lo) - np.log(d50)) / ln_sg)
    u = np.log(lo) + (np.log(hi) - np.log(lo)) * _GL_X                 # nodes in ln d
    z = (u[None, :] - np.log(d50)[:, None]) / ln_sg[:, None]
    dens = np.exp(-0.5 * z ** 2) / (np.sqrt(2.0 * np.pi) * ln_sg[:, None])
    lost = (dens * np.exp(-(np.exp(u) / FINES_CUTOFF_UM) ** 2)[None, :]) @ _GL_W * (np.log(hi) - np.log(lo))
    return mass, lost


def _outcomes(s, d50, sigma_g, gmr, sph_shift=0.0, o2_factor=1.0):
    """Outcomes from (d50, sigma_g) and the settings; used noise-free and with batch scatter.
    Losses: skull/overspray (more at low superheat), fines carried off with the gas, and satellites/
    agglomerates that bind fines to 15–45 µm particles and move them oversize (more above
    AGGREGATION_SUPERHEAT_C and with more fines)."""
    d50 = np.asarray(d50, float) * np.ones(len(s))
    sigma_g = np.asarray(sigma_g, float) * np.ones(len(s))
    ln_sg = np.log(sigma_g)
    d10 = d50 * np.exp(-Z90 * ln_sg)
    d90 = d50 * np.exp(Z90 * ln_sg)
    dT = s["superheat_c"].to_numpy()
    aggregation = np.clip(dT - AGGREGATION_SUPERHEAT_C, 0.0, None) / 100.0
    fines = ndtr((np.log(10.0) - np.log(d50)) / ln_sg)                     # mass fraction below 10 µm
    satellites = np.clip(SATELLITE_BASE + 0.5 * fines * (1.0 + 3.0 * aggregation), 0.0, 0.6)
    kept = (1.0 - SKULL_LOSS - 0.05 * np.exp(-(dT - 50.0) / 40.0)) * (1.0 - CLASSIFIER_LOSS)
    m_fine, lost_fine = _band(d50, ln_sg, 15.0, 45.0)
    m_coarse = ndtr((np.log(106.0) - np.log(d50)) / ln_sg) - ndtr((np.log(45.0) - np.log(d50)) / ln_sg)
    cut_fine = (m_fine - lost_fine) * (1.0 - satellites)
    y_15_45 = 100.0 * kept * cut_fine
    y_45_106 = 100.0 * kept * (m_coarse + 0.5 * satellites * (m_fine - lost_fine))

    sph = (_col(s, ALLOY_QUALITY, "sph") + 0.025 * np.tanh((dT - 100.0) / 60.0) - 0.05 * aggregation ** 1.5
           + 0.015 * np.tanh(gmr - 1.5) - 0.0006 * (d50 - 30.0) - 0.08 * (satellites - SATELLITE_BASE) + sph_shift)
    sph = np.clip(sph, 0.60, 0.995)
    o2 = (_col(s, ALLOY_QUALITY, "o2_bulk")
          + o2_factor * _col(s, ALLOY_QUALITY, "o2_surf") * (1.0 + s["chamber_o2_ppm"].to_numpy() / 150.0)
          * (30.0 / d50))
    rho = _col(s, ALLOY_PROPS, "rho")
    d_cut = 26.0 * (d50 / 26.0) ** 0.3          # the 15–45 µm cut is coarser when its parent powder is
    hall = (14.0 * (7900.0 / rho) ** 1.35 * (26.0 / d_cut) ** 0.8 * np.sqrt(0.19 / np.clip(sph - 0.75, 0.01, None))
            * (1.0 + 1.5 * (satellites - SATELLITE_BASE)))
    packing = 0.58 + 0.6 * (sph - 0.93) + 0.05 * (sigma_g - 1.9) - 0.0008 * (30.0 - d50).clip(0)
    app_density = rho / 1000.0 * packing
    gas_kg = gmr * _col(s, ATOMIZER_PROPS, "heat_kg")
    out = dict(d10_um=d10, d50_um=d50, d90_um=d90, yield_15_45_pct=y_15_45,
               yield_45_106_pct=y_45_106, sphericity=sph, oxygen_ppm=o2,
               hall_flow_s_50g=hall, apparent_density_g_cm3=app_density, gas_consumption_kg=gas_kg)
    failed = _fails(s)                       # no powder: every outcome of a failed heat is missing
    return {k: np.where(failed, np.nan, v) for k, v in out.items()}


def _frame(out: dict, index) -> pd.DataFrame:
    df = pd.DataFrame({k: out[k] for k in OUTCOMES}, index=index)
    df.loc[df["hall_flow_s_50g"] > NO_FLOW_LIMIT_S, "hall_flow_s_50g"] = np.nan  # NaN = "no flow"
    return df


def expected(settings: pd.DataFrame) -> pd.DataFrame:
    """Noise-free outcomes, one row per settings row (hall_flow_s_50g is NaN where powder does not flow)."""
    s = _validate(settings)
    lat = _latent(s)
    return _frame(_outcomes(s, lat["d50"], lat["sigma_g"], lat["gmr"]), settings.index)


def simulate(settings: pd.DataFrame, seed=None) -> pd.DataFrame:
    """Outcomes with batch-to-batch scatter and measurement noise (vectorized; seed for reproducibility)."""
    s = _validate(settings)
    rng = np.random.default_rng(seed)
    n = len(s)
    lat = _latent(s)
    d50 = lat["d50"] * np.exp(SCATTER_D50_REL * rng.standard_normal(n))
    sigma_g = lat["sigma_g"] * np.exp(SCATTER_SIGMA_G_REL * rng.standard_normal(n))
    out = _outcomes(s, d50, sigma_g, lat["gmr"], sph_shift=SCATTER_SPHERICITY * rng.standard_normal(n),
                    o2_factor=np.exp(SCATTER_OXYGEN_REL * rng.standard_normal(n)))
    for k in ("d10_um", "d50_um", "d90_um"):
        out[k] = out[k] * np.exp(NOISE_PSD_REL * rng.standard_normal(n))
    for k in ("yield_15_45_pct", "yield_45_106_pct"):
        out[k] = np.clip(out[k] + NOISE_YIELD_PCT * rng.standard_normal(n), 0.0, 100.0)
    out["sphericity"] = np.clip(out["sphericity"] + NOISE_SPHERICITY * rng.standard_normal(n), 0.5, 1.0)
    out["oxygen_ppm"] = out["oxygen_ppm"] + NOISE_OXYGEN_PPM * rng.standard_normal(n)
    out["hall_flow_s_50g"] = out["hall_flow_s_50g"] + NOISE_HALL_S * rng.standard_normal(n)
    out["apparent_density_g_cm3"] = out["apparent_density_g_cm3"] + NOISE_DENSITY * rng.standard_normal(n)
    out["gas_consumption_kg"] = out["gas_consumption_kg"] * np.exp(NOISE_GAS_REL * rng.standard_normal(n))
    return _frame(out, settings.index)


@dataclass
class TrialCounter:
    """Heats and kg of alloy spent in ``run_trial`` since the last ``reset()`` (each settings row is one heat of
    its unit's heat mass, an aborted heat too), so that a strategy's trial budget shows (day4_nonlinear/04_bayesian_optimization)."""

    heats: int = 0
    kg: float = 0.0

    def add(self, settings: pd.DataFrame) -> None:
        self.heats += len(settings)
        self.kg += float(settings["atomizer"].map({u: p["heat_kg"] for u, p in ATOMIZER_PROPS.items()}).sum())

    def reset(self) -> None:
        self.heats, self.kg = 0, 0.0


TRIALS = TrialCounter()   # counts every run_trial call of this session


def run_trial(settings: pd.DataFrame, seed=None) -> pd.DataFrame:
    """A learner's trial batch at the plant: settings and the measured (noisy) outcomes side by side.
    Every row is one heat, counted in ``TRIALS``."""
    out = simulate(settings, seed=seed)
    TRIALS.add(settings)
    return pd.concat([settings.reset_index(drop=True), out.reset_index(drop=True)], axis=1)


def noise_floor(settings: pd.DataFrame, target: str, n_rep: int = 20, seed: int = 0) -> float:
    """Best achievable test RMSE for ``target`` on these settings: RMSE of repeated plant runs about
    the noise-free truth (introduced in day3_linear). No model can beat it on average."""
    if target not in OUTCOMES:
        raise ValueError(f"unknown target {target!r}; choose one of {OUTCOMES}.")
    truth = expected(settings)[target].to_numpy()
    reps = pd.concat([settings] * n_rep, ignore_index=True)
    noisy = simulate(reps, seed=seed)[target].to_numpy().reshape(n_rep, -1)
    err = noisy - truth
    return float(np.sqrt(np.nanmean(err ** 2)))


# --------------------------------------------------------------------------------------------
# The official optimization task
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """The course's optimization task: maximize the 15–45 µm (L-PBF) yield of 316L on VIGA-1 with argon,
    within bounds, with sphericity, oxygen and gas-budget constraints (introduced in day1_overview)."""

    fixed: dict = field(default_factory=lambda: {
        "alloy": "316L", "atomizer": "VIGA-1", "gas": "Ar", "chamber_o2_ppm": 100.0, "nozzle_hours": 0.0})
    bounds: dict = field(default_factory=lambda: {
        "gas_pressure_mpa": (1.5, 6.0),
        "gas_temp_c": (20.0, 300.0),
        "melt_flow_kg_min": (6.0, 14.0),
        "superheat_c": (50.0, 300.0),
        "nozzle_diameter_mm": [3.0, 3.5, 4.0, 4.5, 5.0],
    })
    standard_recipe: dict = field(default_factory=lambda: {
        "gas_pressure_mpa": 2.6, "gas_temp_c": 20.0, "melt_flow_kg_min": 10.0, "superheat_c": 150.0,
        "nozzle_diameter_mm": 4.0})
    target: str = "yield_15_45_pct"
    min_sphericity: float = 0.93
    max_oxygen_ppm: float = 800.0
    max_gas_kg: float = 600.0   # gas budget per 250-kg heat

    def settings(self, decision) -> pd.DataFrame:
        """A full settings table from decision values (a dict, a Series or a DataFrame of them)."""
        d = pd.DataFrame([decision]) if isinstance(decision, (dict, pd.Series)) else pd.DataFrame(decision)
        missing = [k for k in self.bounds if k not in d.columns]
        if missing:
            raise ValueError(f"task settings are missing decision variable(s) {missing}; "
                             f"give a value for every key of TASK.bounds: {list(self.bounds)}.")
        out = d[list(self.bounds)].copy()
        for k, v in self.fixed.items():
            out[k] = v
        return out[SETTINGS].reset_index(drop=True)

    def _check_bounds(self, s: pd.DataFrame) -> None:
        for k, b in self.bounds.items():
            v = s[k].astype(float)
            if isinstance(b, tuple):
                bad = (v < b[0] - 1e-9) | (v > b[1] + 1e-9)
                if bad.any():
                    raise ValueError(f"column '{k}': {v[bad].iloc[0]:g} is outside the task bounds "
                                     f"[{b[0]:g}, {b[1]:g}] {UNITS[k]}.")
            elif (~v.isin(b)).any():
                raise ValueError(f"column '{k}': {v[~v.isin(b)].iloc[0]:g} is not allowed; "
                                 f"the task allows {b}.")

    def objective(self, settings) -> pd.Series:
        """Noise-free 15–45 µm yield [%] at these settings (fixed values are filled in)."""
        s = self.settings(settings)
        self._check_bounds(s)
        return expected(s)[self.target].rename("objective")

    def constraint_values(self, settings) -> pd.DataFrame:
        """Noise-free sphericity, oxygen and gas use at these settings."""
        out = expected(self.settings(settings))
        return out[["sphericity", "oxygen_ppm", "gas_consumption_kg"]]

    def feasible(self, settings) -> pd.Series:
        """True where all constraints hold (noise-free): the pour window (the heat does not fail),
        sphericity, oxygen spec, gas budget. Settings outside the task bounds raise a ValueError."""
        s = self.settings(settings)
        self._check_bounds(s)
        c = self.constraint_values(s)
        ok = (~pd.Series(heat_fails(s), index=c.index) & (c["sphericity"] >= self.min_sphericity)
              & (c["oxygen_ppm"] <= self.max_oxygen_ppm) & (c["gas_consumption_kg"] <= self.max_gas_kg))
        return ok.rename("feasible")

    def pour_ok(self, decision) -> np.ndarray:
        """True where the decision values (with the task's fixed ones) pour inside POUR_WINDOW_M_S: a
        constraint of the task and of ``optimize.search`` (computed directly: search calls it often)."""
        d = pd.DataFrame([decision]) if isinstance(decision, (dict, pd.Series)) else decision
        get = lambda k: d[k].to_numpy() if k in d else np.full(len(d), self.fixed.get(k))
        alloy, unit = get("alloy"), get("atomizer")
        rho = np.array([ALLOY_PROPS[a]["rho"] for a in alloy], float)
        v = _speed(get("melt_flow_kg_min").astype(float), rho, get("nozzle_diameter_mm").astype(float))
        return (unit == "EIGA") | ((v >= POUR_WINDOW_M_S[0]) & (v <= POUR_WINDOW_M_S[1]))

    def penalty(self, outcomes: pd.DataFrame) -> pd.Series:
        """Steep penalty for violated constraints, from (measured, predicted or noise-free) outcomes
        with columns sphericity, oxygen_ppm and gas_consumption_kg; 0 where all constraints hold."""
        missing = [c for c in ("sphericity", "oxygen_ppm", "gas_consumption_kg") if c not in outcomes]
        if missing:
            raise ValueError(f"penalty() needs outcome column(s) {missing} (predict them too).")
        return (np.clip(self.min_sphericity - outcomes["sphericity"], 0, None) * 2000.0
                + np.clip(outcomes["oxygen_ppm"] - self.max_oxygen_ppm, 0, None) * 1.0
                + np.clip(outcomes["gas_consumption_kg"] - self.max_gas_kg, 0, None) * 1.0)

    def penalized_objective(self, settings) -> pd.Series:
        """Noise-free objective minus the constraint penalty (what the true-optimum search maximizes);
        a failed heat scores FAILED_HEAT_SCORE."""
        out = expected(self.settings(settings))
        return (out[self.target] - self.penalty(out)).fillna(FAILED_HEAT_SCORE).rename("penalized")

    def true_optimum(self):
        """(best decision values as a Series, best noise-free yield) by global search on the plant.
        Grid over the discrete nozzle sizes, dense random search, then local refinement (cached)."""
        return _true_optimum(self)

    def report(self, settings, label: str = "recommendation", seed: int = 0, n_trials: int = 5) -> pd.DataFrame:
        """One-row table: plant-verified value at ``settings`` (noise-free and mean of ``n_trials``
        trial batches), the true optimum, their ratio, and whether the constraints are met."""
        s = self.settings(settings)
        if len(s) != 1:
            raise ValueError(f"report() takes one settings row, got {len(s)}.")
        self._check_bounds(s)
        value = float(self.objective(s).iloc[0])
        trials = simulate(pd.concat([s] * n_trials, ignore_index=True), seed=seed)
        _, best = self.true_optimum()
        row = {k: s[k].iloc[0] for k in self.bounds}
        row.update({"plant_yield_pct": round(value, 2),
                    "trial_mean_pct": round(float(trials[self.target].mean()), 2),
                    "true_optimum_pct": round(best, 2),
                    "ratio": round(value / best, 3),
                    "constraints_met": bool(self.feasible(s).iloc[0])})
        return pd.DataFrame([row], index=[label])


_OPT_CACHE: dict = {}


def _true_optimum(task: Task):
    key = repr(task)   # by content: a task whose bounds or constraints were edited is searched again
    if key not in _OPT_CACHE:
        from .optimize import search
        x, _ = search(expected, task, seed=12345)
        _OPT_CACHE[key] = (x.copy(), float(task.objective(x.to_dict()).iloc[0]))
    x, best = _OPT_CACHE[key]
    return x.copy(), best


TASK = Task()


# --------------------------------------------------------------------------------------------
# History: two years of production with its defects
# --------------------------------------------------------------------------------------------
#: standard recipe per alloy: unit, pressure, gas temp, melt flow, superheat, nozzle, chamber O2, gas choice
#: (VIGA alloys run on both VIGA units; ``unit`` is the one a single-heat example uses)
RECIPES = {
    "316L": dict(unit="VIGA-1", p=2.6, t=20.0, flow=10.0, sh=150.0, noz=4.0, o2=100.0, share=0.36, n2=0.25),
    "IN718": dict(unit="VIGA-1", p=3.5, t=40.0, flow=12.5, sh=110.0, noz=5.0, o2=80.0, share=0.26, n2=0.15),
    "Ti64": dict(unit="EIGA", p=4.6, t=20.0, flow=1.2, sh=70.0, noz=6.0, o2=50.0, share=0.22, n2=0.0),
    "AlSi10Mg": dict(unit="VIGA-1", p=1.8, t=20.0, flow=4.0, sh=150.0, noz=3.5, o2=150.0, share=0.16, n2=0.30),
}
HISTORY_START = "2024-01-02"
QC_BAND_PCT = 1.5   # QC grade: A at least this many %p above the alloy's median yield, C as far below, else B
OPERATORS = ("김", "이", "박", "최", "정")


def history(n_batches: int = 3000, seed: int = 2024) -> pd.DataFrame:
    """The raw historical table of ``n_batches`` heats over two years, with its defects
    (inconsistent labels, duplicates, a bar-for-MPa period, an analyser outage, "no flow" codes,
    impossible values and a leakage column). Day 2 cleans it (utils.data.load_clean)."""
    rng = np.random.default_rng(seed)
    n = n_batches
    # --- time stamps: a few heats a day over ~two years
    gaps_h = rng.exponential(24.0 * 730.0 / n, n)
    ts = pd.Timestamp(HISTORY_START) + pd.to_timedelta(np.cumsum(gaps_h), unit="h")
    ts = ts.floor("min")
    alloy = rng.choice(ALLOYS, n, p=[RECIPES[a]["share"] for a in ALLOYS])
    viga = rng.choice(ATOMIZERS[:2], n, p=[0.55, 0.45])
    atomizer = np.where([RECIPES[a]["unit"] == "EIGA" for a in alloy], "EIGA", viga)
    r = {k: np.array([RECIPES[a][k] for a in alloy]) for k in ("p", "t", "flow", "sh", "noz", "o2", "n2")}
    gas = np.where(rng.random(n) < r["n2"], "N2", "Ar")
    campaign = rng.random(n) < 0.10   # wider trial campaigns
    p = r["p"] * np.exp(0.07 * rng.standard_normal(n))
    t = r["t"] + np.abs(15.0 * rng.standard_normal(n))
    flow = r["flow"] * np.exp(0.08 * rng.standard_normal(n))
    sh = r["sh"] + 15.0 * rng.standard_normal(n)
    noz = r["noz"].copy()
    o2 = r["o2"] * np.exp(0.4 * rng.standard_normal(n))
    # coarse orders for DED powder (45–106 µm): lower pressure, larger nozzle, faster pour
    ded = (rng.random(n) < 0.10) & ~campaign
    p[ded] *= 0.85
    flow[ded] *= 1.6
    noz[ded] = 6.0
    # trial campaigns explore wider, but not everywhere (hot gas stays rare)
    m = campaign
    p[m] = r["p"][m] * np.exp(0.25 * rng.standard_normal(m.sum()))
    t[m] = rng.uniform(20.0, 220.0, m.sum())
    flow[m] = r["flow"][m] * np.exp(0.25 * rng.standard_normal(m.sum()))
    sh[m] = rng.uniform(60.0, 260.0, m.sum())
    noz[m] = np.where(alloy[m] == "Ti64", 6.0, rng.choice([3.0, 3.5, 4.0, 4.5, 5.0], m.sum()))
    ti = alloy == "Ti64"
    p = np.clip(p, 1.5, 6.0)
    t = np.clip(t, 20.0, 350.0)
    flow = np.clip(flow, np.where(ti, RANGES["melt_flow_kg_min"][0], VIGA_MELT_FLOW[0]),
                   np.where(ti, TI64_MAX_MELT_FLOW, VIGA_MELT_FLOW[1]))
    sh = np.clip(sh, 50.0, 300.0)
    o2 = np.clip(o2, 10.0, 800.0)
    # --- nozzle wear: hours since the last nozzle change, per atomizer (saw-tooth drift)
    hours = np.zeros(n)
    dur_h = np.where(atomizer == "EIGA", ATOMIZER_PROPS["EIGA"]["heat_kg"], HEAT_MASS_KG) / flow / 60.0
    for unit in ATOMIZERS:
        idx = np.flatnonzero(atomizer == unit)
        h, life = 0.0, rng.uniform(120.0, 200.0)
        for i in idx:
            hours[i] = h
            h += dur_h[i]
            if h > life:
                h, life = 0.0, rng.uniform(120.0, 200.0)
    settings = pd.DataFrame({
        "alloy": alloy, "atomizer": atomizer, "gas": gas,
        "gas_pressure_mpa": p.round(2), "gas_temp_c": t.round(0), "melt_flow_kg_min": flow.round(2),
        "superheat_c": sh.round(0), "nozzle_diameter_mm": noz, "chamber_o2_ppm": o2.round(0),
        "nozzle_hours": hours.round(1)})
    out = simulate(settings, seed=int(rng.integers(2**31)))
    humidity = np.clip(45.0 + 15.0 * np.sin(2 * np.pi * (ts.day_of_year.to_numpy() - 100) / 365.0)
                       + 6.0 * rng.standard_normal(n), 15, 95)
    out["oxygen_ppm"] = out["oxygen_ppm"] + 0.8 * (humidity - 45.0)   # a small real effect
    shift = np.where((ts.hour >= 7) & (ts.hour < 19), "day", "night")
    df = pd.DataFrame({
        "batch_id": [f"B{i + 1:05d}" for i in range(n)],
        "timestamp": ts.strftime("%Y-%m-%d %H:%M"),
        "operator": rng.choice(OPERATORS, n), "shift": shift,
        "ambient_humidity_pct": humidity.round(0),
    })
    df = pd.concat([df, settings, out.reset_index(drop=True)], axis=1)
    rounding = {"d10_um": 1, "d50_um": 1, "d90_um": 1, "yield_15_45_pct": 1, "yield_45_106_pct": 1,
                "sphericity": 3, "oxygen_ppm": 0, "hall_flow_s_50g": 1, "apparent_density_g_cm3": 2,
                "gas_consumption_kg": 0}
    for k, d in rounding.items():
        df[k] = df[k].round(d)
    # leakage: the QC grade is assigned after measuring the powder, against the alloy's usual yield
    y = df["yield_15_45_pct"]
    usual = y.groupby(df["alloy"]).transform("median")
    df["qc_grade"] = np.where(y >= usual + QC_BAND_PCT, "A", np.where(y >= usual - QC_BAND_PCT, "B",
                                                                      np.where(y.notna(), "C", "")))
    return _add_defects(df, rng)


def _add_defects(df: pd.DataFrame, rng) -> pd.DataFrame:
    n = len(df)
    ts = pd.to_datetime(df["timestamp"])
    df = df.astype({"gas_pressure_mpa": float, "melt_flow_kg_min": float, "sphericity": float,
                    "d10_um": float, "d90_um": float})
    # inconsistent labels
    variants = {"316L": ["316l", "SS316L", " 316L"], "IN718": ["in718", "Inconel 718"],
                "Ti64": ["Ti-6Al-4V", " Ti-6Al-4V", "ti64"], "AlSi10Mg": ["alsi10mg", "AlSi10Mg "]}
    pick = rng.random(n) < 0.08
    df["alloy"] = df["alloy"].astype(object)
    for i in np.flatnonzero(pick):
        df.iat[i, df.columns.get_loc("alloy")] = rng.choice(variants[df["alloy"].iat[i]])
    gpick = rng.random(n) < 0.04
    gas_var = {"Ar": ["argon", "AR"], "N2": ["n2", "nitrogen"]}
    df["gas"] = df["gas"].astype(object)
    for i in np.flatnonzero(gpick):
        df.iat[i, df.columns.get_loc("gas")] = rng.choice(gas_var[df["gas"].iat[i]])
    # a period in which VIGA-2 logged the gas pressure in bar
    bar = (df["atomizer"] == "VIGA-2") & (ts >= "2024-09-01") & (ts < "2024-11-16")
    df.loc[bar, "gas_pressure_mpa"] = (df.loc[bar, "gas_pressure_mpa"] * 10.0).round(1)
    # oxygen-analyser outage: a block of missing values
    outage = (ts >= "2025-03-10") & (ts < "2025-04-21")
    df.loc[outage, "oxygen_ppm"] = np.nan
    # scattered missing sensor values
    for col in ("gas_temp_c", "superheat_c", "chamber_o2_ppm", "sphericity", "ambient_humidity_pct"):
        df.loc[rng.random(n) < 0.012, col] = np.nan
    # impossible values
    idx = rng.choice(n, 6, replace=False)
    df.loc[idx[:2], "melt_flow_kg_min"] = -df.loc[idx[:2], "melt_flow_kg_min"]
    df.loc[idx[2:4], "sphericity"] = [1.07, 1.12]
    d10 = df.loc[idx[4:], "d10_um"].to_numpy()
    df.loc[idx[4:], "d10_um"] = df.loc[idx[4:], "d90_um"].to_numpy()
    df.loc[idx[4:], "d90_um"] = d10
    # "no flow" written as a text code (missing not at random)
    hall = df["hall_flow_s_50g"].map(lambda v: "no flow" if pd.isna(v) else f"{v:.1f}")
    df["hall_flow_s_50g"] = hall.where(df["d50_um"].notna(), np.nan)   # an aborted heat has no powder at all
    # duplicated uploads, right after the original
    dup = np.sort(rng.choice(n, int(0.015 * n), replace=False))
    order = np.concatenate([np.arange(n), dup])
    order = order[np.argsort(np.concatenate([np.arange(n) * 2.0, dup * 2.0 + 1.0]), kind="stable")]
    return df.iloc[order].reset_index(drop=True)


def write_history(path, n_batches: int = 3000, seed: int = 2024) -> None:
    """Write the raw history as CSV (UTF-8, LF line ends)."""
    history(n_batches, seed).to_csv(path, index=False, lineterminator="\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Write the virtual plant's raw history as CSV.")
    ap.add_argument("--out", required=True, help="output CSV path")
    ap.add_argument("--n-batches", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--force", action="store_true", help="allow other arguments to overwrite the course's data file")
    a = ap.parse_args(argv)
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "data" / "atomizer_batches.csv"
    if Path(a.out).resolve() == shipped and (a.n_batches, a.seed) != (3000, 2024) and not a.force:
        ap.error(f"--out {a.out} is the course's dataset, which only the defaults (--n-batches 3000 --seed 2024) "
                 "reproduce byte for byte; write elsewhere, or add --force to replace it on purpose.")
    write_history(a.out, a.n_batches, a.seed)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
