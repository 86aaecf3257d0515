// Finding programs and their interpreters by reading files only (no interpreter runs, so
// --print can use it), and sparkfabric's own data files.
#pragma once

#include <string>

namespace sparkfabric::launch {

// `program` itself when it has a '/', else the first executable of that name on PATH; empty if none.
std::string on_path(const std::string& program);

// The interpreter a script's #! line names ("#!/usr/bin/env python3" resolved on PATH); empty
// when the file is not a script or the interpreter is not found.
std::string script_interpreter(const std::string& script);

// NAME installed beside sparkfabric's data, else in the source tree when the running program
// is one of this build tree's (a build not installed); the installed path otherwise, so an
// error can name it.
std::string sparkfabric_data_file(const std::string& name);
// The same, for the program at `executable`.
std::string sparkfabric_data_file(const std::string& name, const std::string& executable);

}  // namespace sparkfabric::launch
