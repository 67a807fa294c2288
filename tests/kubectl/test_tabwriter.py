"""Tables align as Go's text/tabwriter aligns them for kubectl."""
from kubelab.kubectl.tabwriter import tabwrite


def test_get_tables_pad_three_spaces_and_leave_the_last_column_unpadded():
    # printers.GetNewTabWriter: minwidth 6, padding 3; the text after the last tab is not a cell.
    text = "NAME\tREADY\tAGE\nweb\t1/1\t5m\nlonger-name\t0/1\t10s\n"
    assert tabwrite(text) == ("NAME          READY   AGE\n"
                              "web           1/1     5m\n"
                              "longer-name   0/1     10s\n")


def test_columns_are_at_least_six_wide():
    assert tabwrite("IP\tX\n1\t2\n") == "IP    X\n1     2\n"


def test_a_line_without_tabs_ends_a_column_block():
    # describe (minwidth 0, padding 2): "Containers:" splits the blocks above and below it;
    # "    Image:" and "Volumes:" share a block, as in kubectl describe pod's output.
    text = "Name:\tweb\nNamespace:\tdefault\nContainers:\n    Image:\tnginx\nVolumes:\t<none>\n"
    assert tabwrite(text, minwidth=0, padding=2) == ("Name:       web\n"
                                                     "Namespace:  default\n"
                                                     "Containers:\n"
                                                     "    Image:  nginx\n"
                                                     "Volumes:    <none>\n")


def test_an_empty_value_still_pads_its_label():
    # kubectl describe pod prints "IP:" followed by padding when the pod has no IP yet.
    assert tabwrite("IP:\t\nName:\tx\n", minwidth=0, padding=2) == "IP:    \nName:  x\n"
