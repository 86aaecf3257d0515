// Every SPANK entry point and callback runs inside srun, sbatch or slurmstepd: an exception
// escaping into Slurm's C code would abort that process (and with it the job, or the step's
// daemon). guarded() turns any exception into one clear error line and a return code.
#pragma once

#include <exception>
#include <new>

#include "spank/slurm_headers.hpp"

namespace sparkfabric::spank {

template <typename Body>
int guarded(const char* where, int on_exception, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        slurm_error("sparkfabric: %s: out of memory; no fabric settings from this plugin", where);
    } catch (const std::exception& error) {
        slurm_error("sparkfabric: %s: internal error: %s; no fabric settings from this plugin", where, error.what());
    } catch (...) {
        slurm_error("sparkfabric: %s: internal error; no fabric settings from this plugin", where);
    }
    return on_exception;
}

}  // namespace sparkfabric::spank
