@echo off
rem baocao for Windows: double-click to open (and, the first time, set up) the control workbook BaoCao.xlsm.
rem   BaoCao.cmd                 set up, ask for the campaign folder (remembered), build BaoCao.xlsm, open it
rem   BaoCao.cmd C:\BaoCao\Dot1  the same for that campaign folder (or drop the folder onto this file)
rem   BaoCao.cmd check ...       any other word runs that baocao command: check, summary, status, doctor, ...
rem                              (in the campaign folder used last time, unless the window is in one already)
rem This file is ASCII only (cmd.exe reads it in the console's code page): every Vietnamese message comes from
rem Python (addin\frontends\bundle_setup.py; Python writes Unicode to the console whatever its code page) or from
rem the UTF-8 files in thong_bao\ (shown after "chcp 65001"). It uses no PowerShell and writes nothing to the registry.
setlocal EnableExtensions DisableDelayedExpansion
set "BAOCAO_HOME=%~dp0"
set "BAOCAO_PY=%~dp0python\python.exe"
set "PYTHONHOME="
set "PYTHONPATH="
set "PYTHONNOUSERSITE=1"
set "PYTHONIOENCODING=utf-8"
if not exist "%BAOCAO_PY%" (
  chcp 65001 >nul
  type "%~dp0thong_bao\thieu_python.txt"
  pause
  exit /b 1
)
if "%~1"=="" goto start
if exist "%~1\" goto start
"%BAOCAO_PY%" -m addin.frontends.bundle_setup run --home "%BAOCAO_HOME%." %*
exit /b %errorlevel%

:start
"%BAOCAO_PY%" -m addin.frontends.bundle_setup start --home "%BAOCAO_HOME%." %1
set "BAOCAO_RC=%errorlevel%"
if "%BAOCAO_RC%"=="0" exit /b 0
rem 1, 2, 3: baocao's own exit codes, its message already shown; anything else: Python itself did not run.
if "%BAOCAO_RC%"=="1" goto done
if "%BAOCAO_RC%"=="2" goto done
if "%BAOCAO_RC%"=="3" goto done
chcp 65001 >nul
type "%~dp0thong_bao\khong_chay_python.txt"
:done
pause
exit /b %BAOCAO_RC%
