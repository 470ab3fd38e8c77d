Attribute VB_Name = "BaoCao"
' The buttons of the control workbook (BaoCao.xlsm). ASCII only: every word staff read
' comes from Python (addin/frontends/buttons.py). Each Sub is one line; logic never lives in VBA.
' Built into the workbook by "baocao workbook"; do not edit the workbook's copy.
Option Explicit

Public Sub BaoCao_ThietKe()
    RunPython "import addin.frontends.buttons as b; b.design_campaign()"
End Sub

Public Sub BaoCao_ApDungThietKe()
    RunPython "import addin.frontends.buttons as b; b.apply_design()"
End Sub

Public Sub BaoCao_TaoBieuMau()
    RunPython "import addin.frontends.buttons as b; b.make_templates()"
End Sub

Public Sub BaoCao_GuiBieuMau()
    RunPython "import addin.frontends.buttons as b; b.send_templates()"
End Sub

Public Sub BaoCao_NhanBaoCao()
    RunPython "import addin.frontends.buttons as b; b.collect_returns()"
End Sub

Public Sub BaoCao_KiemTra()
    RunPython "import addin.frontends.buttons as b; b.check_returns()"
End Sub

Public Sub BaoCao_ChapNhan()
    RunPython "import addin.frontends.buttons as b; b.accept_selected()"
End Sub

Public Sub BaoCao_KhongNhan()
    RunPython "import addin.frontends.buttons as b; b.reject_selected()"
End Sub

Public Sub BaoCao_NhacNop()
    RunPython "import addin.frontends.buttons as b; b.send_reminders()"
End Sub

Public Sub BaoCao_TongHop()
    RunPython "import addin.frontends.buttons as b; b.make_summary()"
End Sub

Public Sub BaoCao_MoKetQua()
    RunPython "import addin.frontends.buttons as b; b.open_results()"
End Sub

Public Sub BaoCao_CapNhat()
    RunPython "import addin.frontends.buttons as b; b.refresh_panel()"
End Sub

Public Sub BaoCao_KiemTraCaiDat()
    RunPython "import addin.frontends.buttons as b; b.check_installation()"
End Sub
