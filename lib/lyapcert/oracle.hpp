// Umbrella header of the lyapcert::oracle module: lyapcert as an oracle for other implementations
// (`lyapcert verify`): reading their CSV results, and classifying each row against a certified value.
#pragma once
#include "lyapcert/oracle/claims.hpp"
#include "lyapcert/oracle/csv.hpp"
#include "lyapcert/oracle/verify.hpp"
