<?xml version="1.0" encoding="UTF-8"?>
<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:egb="urn:gugik:specyfikacje:gmlas:ewidencjaGruntowBudynkow:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="fc">
  <gml:featureMember>
    <egb:EGB_DzialkaEwidencyjna gml:id="DZ_1">
      <egb:idDzialki>143206_4.0001.162/1</egb:idDzialki>
      <egb:numerKW></egb:numerKW>
      <egb:poleEwidencyjne>0.1234</egb:poleEwidencyjne>
      <egb:geometria>
        <gml:Polygon gml:id="DZ_1_G" srsName="urn:ogc:def:crs:EPSG::2180">
          <gml:exterior><gml:LinearRing><gml:posList>484315.16 621053.946 484403.654 621061.933 484406.072 621039.388 484338.487 621032.883 484306.716 621030.23 484276.875 621027.954 484270.939 621027.718 484270.441 621049.9 484273.569 621050.184 484315.16 621053.946</gml:posList></gml:LinearRing></gml:exterior>
        </gml:Polygon>
      </egb:geometria>
    </egb:EGB_DzialkaEwidencyjna>
  </gml:featureMember>
  <gml:featureMember>
    <egb:EGB_DzialkaEwidencyjna gml:id="DZ_2">
      <egb:idDzialki>143206_4.0001.185/2</egb:idDzialki>
      <egb:numerKW></egb:numerKW>
      <egb:poleEwidencyjne>0.1234</egb:poleEwidencyjne>
      <egb:geometria>
        <gml:Polygon gml:id="DZ_2_G" srsName="urn:ogc:def:crs:EPSG::2180">
          <gml:exterior><gml:LinearRing><gml:posList>484327.07 621447.142 484328.024 621433.166 484313.359 621424.981 484303.846 621413.945 484304.521 621410.156 484277.63 621407.539 484265.644 621407.269 484264.912 621440.188 484327.07 621447.142</gml:posList></gml:LinearRing></gml:exterior>
        </gml:Polygon>
      </egb:geometria>
    </egb:EGB_DzialkaEwidencyjna>
  </gml:featureMember>
  <gml:featureMember>
    <egb:EGB_DzialkaEwidencyjna gml:id="DZ_3">
      <egb:idDzialki>143206_4.0001.62/1</egb:idDzialki>
      <egb:numerKW></egb:numerKW>
      <egb:poleEwidencyjne>0.1234</egb:poleEwidencyjne>
      <egb:geometria>
        <gml:Polygon gml:id="DZ_3_G" srsName="urn:ogc:def:crs:EPSG::2180">
          <gml:exterior><gml:LinearRing><gml:posList>485341.365 621496.045 485323.029 621493.971 485320.689 621516.084 485314.275 621578.227 485333.66 621580.262 485341.365 621496.045</gml:posList></gml:LinearRing></gml:exterior>
        </gml:Polygon>
      </egb:geometria>
    </egb:EGB_DzialkaEwidencyjna>
  </gml:featureMember>
  <gml:featureMember>
    <egb:EGB_DzialkaEwidencyjna gml:id="DZ_4">
      <egb:idDzialki>143206_4.0001.63/1</egb:idDzialki>
      <egb:numerKW></egb:numerKW>
      <egb:poleEwidencyjne>0.1234</egb:poleEwidencyjne>
      <egb:geometria>
        <gml:Polygon gml:id="DZ_4_G" srsName="urn:ogc:def:crs:EPSG::2180">
          <gml:exterior><gml:LinearRing><gml:posList>485492.993 621635.801 485491.815 621647.122 485488.264 621681.138 485575.107 621690.861 485576.469 621683.673 485580.458 621622.797 485584.185 621617.615 485584.455 621606.398 485545.775 621602.306 485497.042 621597.021 485494.448 621621.851 485492.993 621635.801</gml:posList></gml:LinearRing></gml:exterior>
        </gml:Polygon>
      </egb:geometria>
    </egb:EGB_DzialkaEwidencyjna>
  </gml:featureMember>
  <gml:featureMember>
    <egb:EGB_Budynek gml:id="BUD_1"><egb:idBudynku>143206_4.0001.BUD1</egb:idBudynku></egb:EGB_Budynek>
  </gml:featureMember>
</gml:FeatureCollection>
