"""The application layer: the one place a spec becomes a run.

A :class:`RunSpec` names a scenario, a platform, a cost model, a scheduler and its options, a
plan source (``"auto"``, a plan file, or none), the late policy, seed, horizon and load scale.
:func:`run` turns it into cost tables, a plan, a policy, a simulation and its metrics::

    from terastal.experiment import RunSpec, run

    outcome = run(RunSpec("VR_gaming", "Dual_4K/WS_OS", "terastal", seed=0, duration_s=0.5))
    outcome.metrics["mean_miss_rate"]

A spec with ``compat="xrbench"`` runs XRBench-MAESTRO's compatibility profile instead of
terastal's engine (:mod:`terastal.experiment.compat`); everything else is the same call.

Tables and plans are cached by the content of their inputs (:mod:`terastal.experiment.cache`),
so the seeds and schedulers of one case share one plan and one set of tables, in memory and on
disk across processes (:mod:`terastal.experiment.diskcache`; ``TERASTAL_NO_CACHE=1`` bypasses
it). Every command, study (sweep, reproduce, bound) and benchmark goes through here, and so
through one work guard (:func:`check_work`: a run estimated above ``RunSpec.max_jobs`` is
refused before it starts).
"""

from terastal._lazy import lazy_exports
from terastal.experiment.cache import (
    MEMORY,
    CaseCache,
    MemoryCache,
    cache_key,
    code_stamp,
    fingerprint,
)
from terastal.experiment.case import AUTO, Case, PlannerOptions, Prepared, cost_model_key, prepare
from terastal.experiment.compare import check_specs, compare
from terastal.experiment.diskcache import DiskCache, TieredCache, cache_dir, default_cache
from terastal.experiment.plans import check_plan, load_plan_file
from terastal.experiment.run import (
    Policy,
    RunOutcome,
    RunSpec,
    check_spec,
    make_policy,
    plan_source,
    run,
    write_outcome,
)
from terastal.experiment.work import check_max_jobs, check_work, estimate_spec

# Imported on first use (PEP 562): a single run (``terastal simulate``) does not need the
# compatibility profiles, and start-up pays per module. (``compare`` stays eager: a lazy
# name equal to its submodule's would be shadowed by the submodule once it is imported.)
_LAZY = {
    "COMPAT_PROFILES": "terastal.experiment.compat",
    "check_profile": "terastal.experiment.compat",
    "default_duration_s": "terastal.experiment.compat",
    "profile_scheduler": "terastal.experiment.compat",
}


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)

__all__ = [
    "AUTO",
    "COMPAT_PROFILES",
    "MEMORY",
    "Case",
    "CaseCache",
    "DiskCache",
    "MemoryCache",
    "PlannerOptions",
    "Policy",
    "Prepared",
    "RunOutcome",
    "RunSpec",
    "TieredCache",
    "cache_dir",
    "cache_key",
    "check_max_jobs",
    "check_plan",
    "check_profile",
    "check_spec",
    "check_specs",
    "check_work",
    "code_stamp",
    "compare",
    "cost_model_key",
    "default_cache",
    "default_duration_s",
    "estimate_spec",
    "fingerprint",
    "load_plan_file",
    "make_policy",
    "plan_source",
    "prepare",
    "profile_scheduler",
    "run",
    "write_outcome",
]
