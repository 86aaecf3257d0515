// The error every part of the launcher throws with a message for the user: what is wrong and
// the fix. The running machinery (node lists, hostfiles) throws it too, for its callers (the
// launcher and the survey) to print.
#pragma once

#include <stdexcept>

namespace sparkfabric::launch {

class LaunchError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace sparkfabric::launch
