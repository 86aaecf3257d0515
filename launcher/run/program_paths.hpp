// Finding programs and their interpreters by reading files only (no interpreter runs, so
// --print can use it), and sparkfabric's own data files.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

// `program` itself when it has a '/', else the first executable of that name on PATH; empty if none.
std::string on_path(const std::string& program);

// The interpreter a script's #! line names ("#!/usr/bin/env python3" resolved on PATH); empty
// when the file is not a script or the interpreter is not found.
std::string script_interpreter(const std::string& script);

// The first of `relatives` (each "/name" or "/../dir/name", taken from the folder of `self`) that
// is an executable file, else `name` (found on PATH when run, if anywhere).
std::string executable_near(const std::string& self, const std::vector<std::string>& relatives, const std::string& name);

// The spark-fabric next to this program (installed, or in this build tree), else the one on PATH.
std::string sibling_spark_fabric();

// NAME installed beside sparkfabric's data, else in the source tree when the running program
// is one of this build tree's (a build not installed); the installed path otherwise, so an
// error can name it.
std::string sparkfabric_data_file(const std::string& name);
// The same, for the program at `executable`.
std::string sparkfabric_data_file(const std::string& name, const std::string& executable);

}  // namespace sparkfabric::launch
