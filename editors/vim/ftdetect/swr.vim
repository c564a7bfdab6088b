" switchy dialplans: *.swr files have the filetype swr (syntax/swr.vim, ftplugin/swr.vim).
autocmd BufRead,BufNewFile *.swr setfiletype swr
