# The layering rule, checked on every build: an #include "..." of our own may only point at
# the same module or at one of the modules the table below allows. Dependencies run one way,
#
#   cli -> core -> bgp -> base          (and inside bgp: api -> server -> session/rib/fib ->
#                                        policy -> wire)
#
# and the providers (core/lab, core/kind, core/kube) never include each other: what they
# share lives in core/, and what the two Kubernetes providers share in core/k8s/, which
# includes no provider. The CLI reaches them through core/'s registry only, never their own
# headers. The build runs this script before compiling anything (target check_layers), so an
# upward include fails the build with the file, the line and the rule; tests/layers runs it
# on a tree with one planted upward include to show that it does.
#
#   cmake -DSOURCE_DIR=<tree> -P cmake/check_layers.cmake
#
# A file's module is its folder: bgp/wire/update.h is in bgp/wire, bgp/fsm.h in bgp,
# core/lab/plan.h in core/lab, core/render.h in core. "bgp/*" allows every bgp module.

cmake_policy(SET CMP0007 NEW)

# module | the modules it may include besides itself
set(rules
  "base|"
  "bgp/wire|base"
  "bgp/policy|base bgp/wire"
  "bgp/rib|base bgp/wire bgp/policy"
  "bgp/fib|base bgp/wire"
  "bgp|base bgp/wire"
  "bgp/session|base bgp/wire bgp"
  "bgp/server|base bgp/wire bgp/policy bgp/rib bgp/fib bgp bgp/session"
  "bgp/api|base bgp/*"
  "core|base bgp/* core/lab core/kind core/kube core/capture"
  "core/capture|base bgp/wire"   # captures for `bgpdemo decode`: pcap, TCP, MRT
  "core/k8s|base bgp/* core"
  "core/lab|base bgp/* core"
  "core/kind|base bgp/* core core/k8s"
  "core/kube|base bgp/* core core/k8s"
  "core/ui|base bgp/* core"   # `bgpdemo ui`: its web server, loop and page
  "cli|base core core/ui")   # the providers only through core/providers.h

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "check_layers: pass -DSOURCE_DIR=<the source tree>")
endif()

function(module_of path out)
  if(path MATCHES "^(bgp|core)/([a-z0-9_]+)/")
    set(${out} "${CMAKE_MATCH_1}/${CMAKE_MATCH_2}" PARENT_SCOPE)
  elseif(path MATCHES "^([a-z0-9_]+)/")
    set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

foreach(rule ${rules})
  string(REPLACE "|" ";" parts "${rule}")
  list(GET parts 0 module)
  list(LENGTH parts n)
  string(REPLACE "/" "_" key "${module}")
  if(NOT DEFINED allowed_${key})
    set(allowed_${key} "${module}")
  endif()
  if(n GREATER 1)
    list(GET parts 1 more)
    string(REPLACE " " ";" more "${more}")
    list(APPEND allowed_${key} ${more})
  endif()
endforeach()

set(violations "")
file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/base/*" "${SOURCE_DIR}/bgp/*"
     "${SOURCE_DIR}/core/*" "${SOURCE_DIR}/cli/*")
list(FILTER files INCLUDE REGEX "\\.(h|cpp|h\\.in)$")
foreach(file ${files})
  module_of("${file}" from)
  string(REPLACE "/" "_" key "${from}")
  if(NOT DEFINED allowed_${key})
    string(APPEND violations "  ${file}: module ${from} has no rule in cmake/check_layers.cmake\n")
    continue()
  endif()
  file(STRINGS "${SOURCE_DIR}/${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line ${lines})
    if(NOT line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
      continue()
    endif()
    set(target "${CMAKE_MATCH_1}")
    if(NOT target MATCHES "^(base|bgp|core|cli)/")
      continue()  # a system or third-party header
    endif()
    module_of("${target}" to)
    set(ok FALSE)
    foreach(a ${allowed_${key}})
      if(a STREQUAL to)
        set(ok TRUE)
      elseif(a MATCHES "^(.*)/\\*$")
        if(to STREQUAL CMAKE_MATCH_1 OR to MATCHES "^${CMAKE_MATCH_1}/")
          set(ok TRUE)
        endif()
      endif()
    endforeach()
    if(NOT ok)
      string(REPLACE ";" ", " may "${allowed_${key}}")
      string(APPEND violations
             "  ${file}: #include \"${target}\" goes from ${from} to ${to}; ${from} may include ${may}\n")
    endif()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "check_layers: includes that break the layering (cmake/check_layers.cmake):\n"
                      "${violations}"
                      "Move what both sides need down a layer, or pass it in from above.")
endif()
