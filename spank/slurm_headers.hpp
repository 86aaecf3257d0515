// Slurm's headers declare the slurm_spank_* entry points without C linkage when read from
// C++; wrapping them makes our definitions the C symbols the plugin loader looks up.
#pragma once

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_version.h>
#include <slurm/spank.h>
}
