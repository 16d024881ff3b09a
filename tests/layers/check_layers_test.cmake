# Shows that cmake/check_layers.cmake fails the build on an upward include and passes the
# real tree: it copies nothing, it plants one file per broken rule in a scratch tree, runs
# the check there and asserts the exact rule it reports.
#
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -P tests/layers/check_layers_test.cmake

set(check ${SOURCE_DIR}/cmake/check_layers.cmake)

function(run_check tree out_result out_text)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${tree} -P ${check}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${out_result} ${result} PARENT_SCOPE)
  set(${out_text} "${out}${err}" PARENT_SCOPE)
endfunction()

# A planted include, the text the check must print for it.
set(cases
  "bgp/wire/planted.h|core/scenario.h|bgp/wire/planted.h: #include \"core/scenario.h\" goes from bgp/wire to core"
  "bgp/rib/planted.cpp|bgp/session/session.h|bgp/rib/planted.cpp: #include \"bgp/session/session.h\" goes from bgp/rib to bgp/session"
  "base/planted.h|bgp/wire/prefix.h|base/planted.h: #include \"bgp/wire/prefix.h\" goes from base to bgp/wire"
  "core/planted.cpp|cli/app.h|core/planted.cpp: #include \"cli/app.h\" goes from core to cli"
  "core/lab/planted.cpp|core/kind/kind.h|core/lab/planted.cpp: #include \"core/kind/kind.h\" goes from core/lab to core/kind"
  "core/k8s/planted.cpp|core/kind/kind.h|core/k8s/planted.cpp: #include \"core/kind/kind.h\" goes from core/k8s to core/kind"
  "core/kube/planted.cpp|core/kind/kind.h|core/kube/planted.cpp: #include \"core/kind/kind.h\" goes from core/kube to core/kind"
  "cli/planted.cpp|core/lab/lab.h|cli/planted.cpp: #include \"core/lab/lab.h\" goes from cli to core/lab")

set(failures 0)
foreach(c ${cases})
  string(REPLACE "|" ";" parts "${c}")
  list(GET parts 0 file)
  list(GET parts 1 include)
  list(GET parts 2 expected)
  set(tree ${WORK_DIR}/tree)
  file(REMOVE_RECURSE ${tree})
  get_filename_component(dir ${tree}/${file} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${tree}/${file} "// planted by check_layers_test\n#include <vector>\n#include \"${include}\"\n")
  run_check(${tree} result text)
  string(FIND "${text}" "${expected}" at)
  if(result EQUAL 0 OR at EQUAL -1)
    message(SEND_ERROR "planted ${file} -> ${include}: want a failure naming\n  ${expected}\n"
                       "got exit ${result}:\n${text}")
    math(EXPR failures "${failures} + 1")
  else()
    message(STATUS "refused: ${expected}")
  endif()
endforeach()

# The same includes the other way round are allowed.
file(REMOVE_RECURSE ${WORK_DIR}/tree)
file(WRITE ${WORK_DIR}/tree/core/ok.cpp "#include \"bgp/wire/prefix.h\"\n#include \"base/result.h\"\n")
file(WRITE ${WORK_DIR}/tree/cli/ok.cpp "#include \"core/render.h\"\n#include \"core/providers.h\"\n")
file(WRITE ${WORK_DIR}/tree/bgp/session/ok.cpp "#include \"bgp/fsm.h\"\n#include \"bgp/wire/open.h\"\n")
run_check(${WORK_DIR}/tree result text)
if(NOT result EQUAL 0)
  message(SEND_ERROR "downward includes were refused:\n${text}")
  math(EXPR failures "${failures} + 1")
endif()

# And the repository itself holds the rule.
run_check(${SOURCE_DIR} result text)
if(NOT result EQUAL 0)
  message(SEND_ERROR "the repository breaks the layering:\n${text}")
  math(EXPR failures "${failures} + 1")
endif()
file(REMOVE_RECURSE ${WORK_DIR}/tree)
if(failures GREATER 0)
  message(FATAL_ERROR "check_layers_test: ${failures} failed")
endif()
message(STATUS "check_layers_test: all passed")
