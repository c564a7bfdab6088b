" Vim syntax file (Vim 8+ and Neovim)
" Language:  switchy dialplan (.swr), see docs/language.md
" Install:   docs/editors.md (add editors/vim to 'runtimepath')
"
" The word lists follow switchy/dialplan/language.py (keywords), actions.py (actions) and
" builtins.py (built-in names, functions, days and months);
" tests/editors/test_vim_syntax.py checks them against those modules.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Header names keep their dashes: Caller-Destination-Number is one word
syn iskeyword @,48-57,_,192-255,-

" Declarations, statements and expression words (language.py)
syn keyword swrDeclaration route handler dialplan include select guard timezone hunt
syn keyword swrStatement   when if elif else stop return inline
syn keyword swrWordOperator and or not in
syn keyword swrConstant    true false none

" Actions (actions.py) and functions (builtins.py) when called: name(
syn match swrAction   "\<\%(answer\|api\|breakmedia\|bridge\|broadcast\|deflect\|execute\|execute_extension\|hangup\|log\|mute\|park\|playback\|respond\|sched_hangup\|send_dtmf\|setvar\|setvars\|sleep\|speak\|start_record\|stop_record\|transfer\|unmute\|unsetvar\)\ze\s*("
syn match swrFunction "\<\%(randint\|random\|header\)\ze\s*("

" Built-in names (builtins.py), days and months
syn keyword swrBuiltin  inbound outbound uuid weekday week_of_month hour minute minute_of_day time date now month day year yday
syn keyword swrDayMonth mon tue wed thu fri sat sun jan feb mar apr may jun jul aug sep oct nov dec

" Names: event headers keep their dashes (Caller-Destination-Number), channel variables
" are read as variable_<name>, Python functions as package.module:function
syn match swrHeader   "\<\u[A-Za-z0-9_]*\%(-[A-Za-z0-9_]\+\)\+"
syn match swrVariable "\<variable_[A-Za-z0-9_]\+\%(-[A-Za-z0-9_]\+\)*"
syn match swrPyRef    "\<\h\w*\%(\.\h\w*\)*:\h\w*"
syn match swrDefName  "\%(\<\%(route\|handler\|dialplan\)\s\+\)\@<=\h\w*"
syn match swrCapture  "\$\%(\d\+\|\h\w*\)"

" Literals (of matches starting at the same place the last defined wins: the longest last)
syn match swrNumber   "\%([A-Za-z0-9_.-]\)\@<!-\=\d\+\%(\.\d\+\)\=\>"
syn match swrTime     "\<\d\{1,2}:\d\{2}\%(:\d\{2}\)\=\>"
syn match swrDateTime "\<\d\{4}-\d\{2}-\d\{2}\%([T ]\d\{1,2}:\d\{2}\%(:\d\{2}\)\=\)\="

" Strings end at the line; ${...} is FreeSWITCH's expansion, {...} in f-strings ours
syn match  swrEscape     contained "\\."
syn match  swrExpansion  contained "\${[^}]*}"
syn region swrString  start=+"+ skip=+\\.+ end=+"+ end=+$+ oneline contains=swrEscape,swrExpansion
syn region swrString  start=+'+ skip=+\\.+ end=+'+ end=+$+ oneline contains=swrEscape,swrExpansion
syn region swrFString matchgroup=swrString start=+\<[fF]"+ skip=+\\.+ end=+"+ end=+$+ oneline contains=swrEscape,swrExpansion,swrInterpolation
syn region swrFString matchgroup=swrString start=+\<[fF]'+ skip=+\\.+ end=+'+ end=+$+ oneline contains=swrEscape,swrExpansion,swrInterpolation
syn region swrInterpolation contained matchgroup=swrInterpolationDelim start="\%(\$\)\@<!{" end="}" oneline contains=swrCapture,swrHeader,swrVariable,swrBuiltin,swrNumber

syn match swrOperator "==\|!=\|<=\|>=\|=\~\|!\~\|->\|\.\.\|[<>=]"

" Comments, with TODO and # noqa: SWRnnn
syn keyword swrTodo contained TODO FIXME XXX
syn match   swrNoqa contained "\<noqa\%(:\s*SWR\d\{3}\%(\s*,\s*SWR\d\{3}\)*\)\="
syn match   swrComment "#.*$" contains=swrTodo,swrNoqa

hi def link swrDeclaration        Statement
hi def link swrStatement          Conditional
hi def link swrWordOperator       Operator
hi def link swrConstant           Constant
hi def link swrAction             Function
hi def link swrFunction           Function
hi def link swrBuiltin            Identifier
hi def link swrDayMonth           Constant
hi def link swrHeader             Type
hi def link swrVariable           Identifier
hi def link swrPyRef              Include
hi def link swrDefName            Function
hi def link swrCapture            Special
hi def link swrDateTime           Number
hi def link swrTime               Number
hi def link swrNumber             Number
hi def link swrString             String
hi def link swrFString            String
hi def link swrEscape             SpecialChar
hi def link swrExpansion          PreProc
hi def link swrInterpolationDelim Special
hi def link swrOperator           Operator
hi def link swrTodo               Todo
hi def link swrNoqa               SpecialComment
hi def link swrComment            Comment

let b:current_syntax = "swr"

let &cpo = s:cpo_save
unlet s:cpo_save
